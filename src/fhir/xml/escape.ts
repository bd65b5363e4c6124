/** XML character escaping and entity decoding for FHIR XML attribute values. */
import { FhirError } from '../errors.ts';

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Escapes a value for a double-quoted XML attribute; whitespace other than space survives as character references. */
export function escapeAttribute(value: string): string {
  return value.replace(/[&<>"\t\n\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      default:
        return `&#${c.charCodeAt(0)};`;
    }
  });
}

/**
 * Decodes a raw attribute value as an XML processor does: literal tabs and line breaks
 * become spaces, then the five predefined entities and character references are replaced.
 * Any other entity is an error (FHIR XML has no DTD to define one).
 */
export function decodeAttribute(raw: string, where: string): string {
  return raw.replace(/\r\n|[\t\n\r]/g, ' ').replace(/&([^;&\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new FhirError('incorrect', `Malformed XML: unterminated entity reference '${whole}' in ${where}`);
    if (name in NAMED) return NAMED[name];
    const num = /^#x([0-9a-fA-F]+)$/.exec(name) ?? /^#([0-9]+)$/.exec(name);
    if (num) {
      const code = parseInt(num[1], name[1] === 'x' ? 16 : 10);
      if (code > 0 && code <= 0x10ffff) return String.fromCodePoint(code);
    }
    throw new FhirError('incorrect', `Malformed XML: unknown entity '&${name};' in ${where}`);
  });
}
