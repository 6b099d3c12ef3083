/** The part of har-validator's promise API the tests use (the package ships no types). */
declare module 'har-validator' {
  /** Resolves with the document when it is valid HAR 1.2; rejects with the schema errors otherwise. */
  export function har(data: unknown): Promise<unknown>;
}
