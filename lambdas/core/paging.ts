/** One page of a keyset-paginated listing; `cursor` is opaque and absent on the last page. */
export interface Page<T> {
  readonly items: T[];
  readonly cursor?: string;
}

export interface PageRequest {
  /** Upper bound on items returned. */
  readonly limit: number;
  readonly cursor?: string;
}
