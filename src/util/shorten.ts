import { createHash } from 'node:crypto';

/** The first `length` hex digits of the SHA-256 of `text`. */
export function hash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Shortens `full` to at most `max` characters, deterministically: a prefix plus a hash of the whole. */
export function shorten(full: string, max: number): string {
  if (full.length <= max) return full;
  const suffix = hash(full, 10);
  const prefix = full.slice(0, max - suffix.length - 1).replace(/[-.]+$/, '');
  return `${prefix}-${suffix}`;
}
