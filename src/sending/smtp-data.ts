/**
 * Whether a message can go into SMTP DATA byte for byte. nodemailer's client escapes the data through a stream
 * that looks at every byte in JavaScript (turning bare CR or LF into CRLF and doubling a dot that starts a
 * line), about 0.1-0.25 ms for a 15 KB campaign message on the worker's busy main thread. Our own messages are
 * CRLF throughout and a line starting with a dot is rare (a text line such as ".5 % off"), so the render thread
 * checks that once with native string searches, and the SMTP side may then skip the escaping (`verbatim`).
 */

/** True when every line ends in CRLF (no bare CR or LF) and no line starts with a dot. */
export function isSmtpVerbatim(message: string): boolean {
  if (message.charCodeAt(0) === 46 || message.includes('\n.')) return false;
  for (let at = message.indexOf('\n'); at !== -1; at = message.indexOf('\n', at + 1)) {
    if (at === 0 || message.charCodeAt(at - 1) !== 13) return false;
  }
  for (let at = message.indexOf('\r'); at !== -1; at = message.indexOf('\r', at + 1)) {
    if (message.charCodeAt(at + 1) !== 10) return false;
  }
  return true;
}
