import { domainToASCII, domainToUnicode } from 'node:url';

/**
 * E-mail addresses as mail servers accept them today: RFC 5321 plus SMTPUTF8 (RFC 6531), so a
 * customer called `jürgen@bücher.de` or `用户@例子.广告` can be recorded. zod's `.email()` is ASCII-only.
 *
 * - Local part: a dot-atom (RFC 5322 atext, and any non-ASCII letter, mark, number or symbol, as RFC
 *   6531 allows) of at most 64 bytes. Quoted local parts (`"a b"@x`) are refused: legal, but in
 *   practice only garbage or attacks look like that.
 * - Domain: a host name whose labels are letters, digits and hyphens once IDNA has turned them into
 *   ASCII (`xn--bcher-kva.de`), at least two labels, a top-level label of two or more characters, not
 *   all digits. A name IDNA would rewrite (full-width dots, invisible characters) is refused. No
 *   address literals (`[192.0.2.1]`).
 * - The whole address at most 254 bytes (UTF-8), the limit of an SMTP forward-path.
 */
export const maxEmailBytes = 254;

const utf8 = new TextEncoder();
const byteLength = (text: string) => utf8.encode(text).length;

/**
 * atext (RFC 5322 3.2.3) and UTF8-non-ascii (RFC 6531 3.3), minus invisible or unassigned code points
 * (controls, format characters such as bidi overrides, separators), except the joiners some scripts need.
 */
const atom = /^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\p{ASCII}\p{C}\p{Z}]|[\u200C\u200D])+$/u;
/** After IDNA: letter-digit-hyphen labels, no hyphen at either end (RFC 1035, RFC 5890). */
const ldhLabel = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** ASCII in a domain is only letters, digits, hyphens and dots; IDNA would otherwise percent-decode or map it. */
const asciiOutsideLdh = /[^A-Za-z0-9.\-\u0080-\u{10FFFF}]/u;

/** What is wrong with `value` as an address, if anything: too long (in UTF-8 bytes), or not one at all. */
export function emailProblem(value: string): 'too_long' | 'malformed' | undefined {
  if (byteLength(value) > maxEmailBytes) return 'too_long';
  return isEmailAddress(value) ? undefined : 'malformed';
}

export function isEmailAddress(value: string): boolean {
  if (byteLength(value) > maxEmailBytes) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  return isLocalPart(local) && isDomain(domain);
}

function isLocalPart(local: string): boolean {
  return byteLength(local) <= 64 && local.split('.').every((part) => atom.test(part));
}

function isDomain(domain: string): boolean {
  if (domain.length === 0 || asciiOutsideLdh.test(domain)) return false;
  // '' when IDNA refuses the name (disallowed code points, bad bidi, invalid punycode).
  const ascii = domainToASCII(domain);
  if (ascii.length === 0 || ascii.length > 253) return false;
  // IDNA also maps look-alikes (full-width letters and dots) and drops invisible characters: a name
  // that is not already in its own mapped form (up to case and NFC) is refused, not silently rewritten.
  const labels = ascii.split('.');
  const given = domain.normalize('NFC').toLowerCase().split('.');
  const asGiven = (label: string, i: number) => given[i] === label || given[i] === domainToUnicode(label);
  if (given.length !== labels.length || !labels.every(asGiven)) return false;
  const top = labels.at(-1) ?? '';
  return labels.length >= 2 && labels.every((l) => ldhLabel.test(l)) && top.length >= 2 && !/^\d+$/.test(top);
}
