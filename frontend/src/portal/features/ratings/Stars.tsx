import { StarFilled } from '@ant-design/icons';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import './ratings.css';

// Stars shown (read-only, one accessible name for the whole row) and chosen (a labelled radio group).

export function Stars({ value, size = 14, testId }: { value: number; size?: number; testId?: string }) {
  const { t } = useTranslation();
  const whole = Math.round(value);
  return (
    <span className="tgs-stars" role="img" aria-label={t('ratings.starsOf', { n: value })} data-testid={testId} data-value={value} style={{ fontSize: size }}>
      {[1, 2, 3, 4, 5].map((n) => (
        <StarFilled key={n} className={n <= whole ? 'tgs-star-on' : 'tgs-star-off'} aria-hidden />
      ))}
    </span>
  );
}

const WORDS = ['', 'veryBad', 'bad', 'ok', 'good', 'veryGood'] as const;

// StarsInput: five native radio buttons drawn as stars (keyboard: arrow keys), named by the field's label,
// each star by its count.
export function StarsInput({ id, value, onChange, label, testId }: { id?: string; value?: number; onChange?: (v: number) => void; label: string; testId?: string }) {
  const { t } = useTranslation();
  const [hover, setHover] = useState<number | null>(null);
  const name = useId();
  const shown = hover ?? value ?? 0;
  return (
    <span className="tgs-stars-input">
      <span role="radiogroup" aria-label={label} id={id} data-testid={testId} className="tgs-star-group" onMouseLeave={() => setHover(null)}>
        {[1, 2, 3, 4, 5].map((n) => (
          <label key={n} className="tgs-star-pick" onMouseEnter={() => setHover(n)}>
            <input type="radio" name={name} value={n} checked={value === n} onChange={() => onChange?.(n)} aria-label={t('ratings.starN', { n })} />
            <StarFilled className={n <= shown ? 'tgs-star-on' : 'tgs-star-off'} aria-hidden />
          </label>
        ))}
      </span>
      {value ? <span className="tgs-stars-word">{t(`ratings.word.${WORDS[value]}`)}</span> : null}
    </span>
  );
}
