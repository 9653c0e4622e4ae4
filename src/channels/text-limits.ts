/**
 * Cuts text to a platform's length limit with an ellipsis. Measured in UTF-16 units (the stricter
 * reading of "characters" on LINE and Messenger), cut between code points so an emoji is never split.
 */
export function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  let kept = '';
  for (const character of text) {
    if (kept.length + character.length > maxLength - 1) break;
    kept += character;
  }
  return `${kept}…`;
}
