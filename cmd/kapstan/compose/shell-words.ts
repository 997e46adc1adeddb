// Splits a command string into words the way a POSIX shell would (without
// running anything): whitespace separates words, 'single quotes' are literal,
// "double quotes" keep spaces and honour \" \\ \$ \`, a backslash outside
// quotes escapes the next character. Compose does the same for `command:` and
// `entrypoint:` given as a string.

export class ShellWordsError extends Error {}

export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === ' ' || ch === '\t' || ch === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (ch === '\\') {
      if (i + 1 < text.length && text[i + 1] !== '\n') word += text[i + 1];
      i++;
      inWord = true;
    } else if (ch === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw new ShellWordsError(`unterminated single quote in ${JSON.stringify(text)}`);
      word += text.slice(i + 1, close);
      i = close;
      inWord = true;
    } else if (ch === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && '"\\$`'.includes(text[j + 1] ?? '')) j++;
        word += text[j];
      }
      if (j >= text.length) throw new ShellWordsError(`unterminated double quote in ${JSON.stringify(text)}`);
      i = j;
      inWord = true;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
