// Engine texts are joined into sentences; one that already ends a sentence must not get a second stop.

/** `text` ending with exactly one full stop (or its own ! or ?). */
export function sentence(text: string): string {
  const t = text.trimEnd();
  return /[.!?…]$/.test(t) ? t : `${t}.`;
}
