// English plurals through Intl.PluralRules, so no message builds its own "s".
const rules = new Intl.PluralRules('en');

/** The word for n: `pick(1, 'has', 'have')` is "has". */
export function pick(n: number, one: string, other: string): string {
  return rules.select(n) === 'one' ? one : other;
}

/** "1 pod", "3 pods", "2 PodDisruptionBudgets"; `other` for irregular words. */
export function plural(n: number, one: string, other = `${one}s`): string {
  return `${n} ${pick(n, one, other)}`;
}
