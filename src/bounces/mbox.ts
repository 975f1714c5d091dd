/**
 * Splits an mbox file into its messages. Each message starts at a "From " line after a blank line (or at the top).
 * mboxrd escapes body lines that start with ">*From " by one more ">"; that escape is undone (which also reads
 * mboxo files right, except for their ambiguous ">From " lines, which mboxo cannot tell apart).
 */
export function splitMbox(data: Buffer | string): Buffer[] {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  const normal = text.replace(/\r\n?/g, '\n');
  const messages: string[] = [];
  let current: string[] | undefined;
  let previousBlank = true;
  for (const line of normal.split('\n')) {
    if (line.startsWith('From ') && previousBlank) {
      if (current) messages.push(finish(current));
      current = [];
    } else if (current) {
      current.push(/^>+From /.test(line) ? line.slice(1) : line);
    }
    previousBlank = line === '';
  }
  if (current) messages.push(finish(current));
  return messages.filter((m) => m.trim() !== '').map((m) => Buffer.from(m, 'latin1'));
}

function finish(lines: string[]): string {
  // The blank line before the next "From " belongs to the mbox format, not to the message.
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return `${lines.join('\n')}\n`;
}
