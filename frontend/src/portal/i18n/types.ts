// Every language has exactly the keys of English: a missing or extra translation does not compile.
export type Catalogue<T> = { [K in keyof T]: T[K] extends string ? string : Catalogue<T[K]> };

export interface FeatureMessages<T> {
  en: T;
  'zh-Hans': Catalogue<T>;
  'zh-Hant': Catalogue<T>;
}
