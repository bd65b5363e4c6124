/** Content negotiation and rendering of a FhirResponse body: JSON (default) or XML, `_pretty`, `_summary`, `_elements`. */
import type { Definitions } from '../fhir/definitions.ts';
import { FhirError } from '../fhir/errors.ts';
import { parseSummary, selectElements, summarize } from '../fhir/summary.ts';
import { toFhirXml } from '../fhir/xml/index.ts';
import { parseFhirJson, stringifyFhirJson } from '../fhir/json.ts';
import type { Body } from '../interactions/types.ts';

export type Format = 'json' | 'xml';

const JSON_TYPES = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir']);
const XML_TYPES = new Set(['xml', 'application/xml', 'application/fhir+xml', 'application/xml+fhir', 'text/xml']);

export const CONTENT_TYPE: Record<Format, string> = {
  json: 'application/fhir+json; charset=utf-8',
  xml: 'application/fhir+xml; charset=utf-8',
};

/** `_format` wins over Accept; anything that is neither JSON nor XML answers 406. */
export function negotiate(formatParam: string | undefined, accept: string | undefined): Format {
  if (formatParam !== undefined) {
    const f = formatParam.split(';')[0].trim().toLowerCase();
    if (JSON_TYPES.has(f)) return 'json';
    if (XML_TYPES.has(f)) return 'xml';
    throw new FhirError('not-acceptable', `_format=${formatParam} is not supported; use json or xml`);
  }
  if (!accept) return 'json';
  const types = accept.split(',').map((t) => t.split(';')[0].trim().toLowerCase());
  for (const t of types) {
    if (JSON_TYPES.has(t) || t === '*/*' || t === 'application/*') return 'json';
    if (XML_TYPES.has(t)) return 'xml';
  }
  return 'json'; // browsers ask for text/html first: give them JSON rather than 406
}

export interface RenderOptions {
  format: Format;
  pretty: boolean;
  summary?: string;
  elements?: string;
}

/** Renders a body as text; stored JSON passes through untouched unless it has to be reshaped. */
export function render(body: Body, opts: RenderOptions, defs: Definitions, shape: boolean): string {
  const summary = shape ? parseSummary(opts.summary) : undefined;
  const elements = shape && opts.elements ? opts.elements.split(',').map((e) => e.trim()).filter(Boolean) : undefined;
  if ('raw' in body && typeof body.raw === 'string' && opts.format === 'json' && !opts.pretty && !summary && !elements) return body.raw;
  let value = ('raw' in body && typeof body.raw === 'string' ? parseFhirJson(body.raw) : body) as Record<string, unknown>;
  if (summary) value = summarize(value, summary, defs);
  if (elements) value = selectElements(value, elements, defs);
  if (opts.format === 'xml') return toFhirXml(value, defs, opts.pretty);
  return stringifyFhirJson(value, opts.pretty ? 2 : undefined);
}
