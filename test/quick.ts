// `npm run test:unit` sets MNG_TEST_QUICK: the randomised and exhaustive tests try fewer cases, so the
// loop stays fast; `npm test` tries them all. Which cases run is still fixed by the seed.
export const QUICK = process.env.MNG_TEST_QUICK === '1';

/** How many cases to try: all of them, or the quick loop's share. */
export const cases = (full: number, quick: number): number => (QUICK ? quick : full);
