import type { z } from 'zod';

/** C0 and C1 control characters and DEL; newline and tab are allowed in multi-line text. */
// eslint-disable-next-line no-control-regex -- finding control characters is this check's purpose
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/u;
// eslint-disable-next-line no-control-regex -- as above
const CONTROL_EXCEPT_LINES = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/u;
/** Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they make text read other than it is stored. */
const BIDI = /[\u202A-\u202E\u2066-\u2069]/u;

const codePoint = (c: string) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * The one check every name and free text people type into Tandem's admin
 * inputs goes through: no control characters (a single-line name not even a
 * newline or tab; multi-line text allows newline and tab) and no
 * bidirectional overrides or isolates. The message names the character found.
 */
export function plainText<S extends z.ZodString>(schema: S, opts: { multiline?: boolean } = {}): S {
  const control = opts.multiline ? CONTROL_EXCEPT_LINES : CONTROL;
  return schema.superRefine((value, ctx) => {
    const bad = control.exec(value);
    if (bad) {
      ctx.addIssue({ code: 'custom', message: `must not contain control characters (found ${codePoint(bad[0])} at position ${bad.index + 1})${opts.multiline ? '; newline and tab are allowed' : ''}` });
      return;
    }
    const bidi = BIDI.exec(value);
    if (bidi) ctx.addIssue({ code: 'custom', message: `must not contain bidirectional override or isolate characters (found ${codePoint(bidi[0])} at position ${bidi.index + 1})` });
  }) as S;
}

/** A name as a platform gives it, made fit to store: control and bidirectional characters dropped, at most `max` long. */
export function cleanName(name: string, max = 200): string {
  return name.replace(new RegExp(CONTROL.source, 'gu'), '').replace(new RegExp(BIDI.source, 'gu'), '').trim().slice(0, max).trim();
}
