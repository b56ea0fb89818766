import { describe, expect, it } from 'vitest';
import { applyListChange } from './urlList';

const desc = (a: string, b: string) => Number(b) - Number(a);

describe('applyListChange', () => {
  it.each([
    { name: 'adds to an empty list', current: null, rendered: [], next: ['PAID'], want: 'PAID' },
    { name: 'removes the last one', current: 'PAID', rendered: ['PAID'], next: [], want: null },
    { name: 'adds beside what is there', current: 'PAID', rendered: ['PAID'], next: ['PAID', 'SHIPPED'], want: 'PAID,SHIPPED' },
    // A second click rendered against the old value must keep what the first click wrote to the URL.
    { name: 'keeps a change not yet rendered', current: '5', rendered: [], next: [4], want: '5,4', order: desc },
    { name: 'removes only what was unticked', current: '5,4,3', rendered: [5, 4], next: [5], want: '5,3', order: desc },
    { name: 'never repeats a value', current: 'A,B', rendered: [], next: ['B'], want: 'A,B' },
    { name: 'drops empty pieces', current: ',A,,', rendered: ['A'], next: ['A'], want: 'A' },
    { name: 'sorts when asked', current: '1', rendered: [1], next: [1, 5, 3], want: '5,3,1', order: desc },
  ])('$name', ({ current, rendered, next, want, order }) => {
    expect(applyListChange(current, rendered, next, order)).toBe(want);
  });
});
