/**
 * FHIR XML → FHIR JSON for R4, driven by the StructureDefinitions: repeating elements
 * become arrays, primitives take their `value` attribute (typed as JSON wants it) with
 * `id`/`extension` going to `_name`, choice elements keep their typed names, resources
 * nested in `contained`/`resource` elements get their `resourceType`, and the XHTML
 * narrative `div` is kept verbatim as a string.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Definitions } from '../definitions.ts';
import { FhirError } from '../errors.ts';
import { decodeAttribute } from './escape.ts';
import { elementModel, type ElementModel, type PropertyInfo } from './element-model.ts';

export const FHIR_NS = 'http://hl7.org/fhir';
export const XHTML_NS = 'http://www.w3.org/1999/xhtml';

type Json = Record<string, unknown>;
/** A node as fast-xml-parser gives it with `preserveOrder`: `{ tag: children, ':@': attributes }` or `{ '#text': text }`. */
type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  processEntities: false, // decoded by decodeAttribute: the five XML entities and character references, nothing else
  ignoreDeclaration: true,
  ignorePiTags: true,
  stopNodes: ['*.div'], // the narrative is kept as written
});

const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

function bad(message: string): FhirError {
  return new FhirError('incorrect', message);
}

function tagOf(node: XmlNode): string {
  return Object.keys(node).find((k) => k !== ':@') as string;
}

function attributesOf(node: XmlNode): Record<string, string> {
  return (node[':@'] as Record<string, string> | undefined) ?? {};
}

function childrenOf(node: XmlNode): XmlNode[] {
  return (node[tagOf(node)] as XmlNode[] | undefined) ?? [];
}

function isText(node: XmlNode): boolean {
  return '#text' in node;
}

function excerpt(text: string): string {
  const t = text.trim();
  return t.length > 40 ? `${t.slice(0, 40)}…` : t;
}

/** Parses a FHIR resource in XML. Throws FhirError('incorrect') for malformed XML or content that is not FHIR R4. */
export function parseFhirXml(xml: string, defs: Definitions): Record<string, unknown> {
  if (typeof xml !== 'string' || xml.trim() === '') throw bad('Malformed XML: the document is empty');
  const text = xml.replace(/^\uFEFF/, '');
  if (/<!DOCTYPE/i.test(text)) throw bad('Malformed XML: document type declarations (DTDs) are not allowed in FHIR XML');
  const check = XMLValidator.validate(text);
  if (check !== true) {
    const { line, col, msg } = check.err;
    throw bad(`Malformed XML${line ? ` at line ${line}${col ? `, column ${col}` : ''}` : ''}: ${msg}`);
  }
  let nodes: XmlNode[];
  try {
    nodes = parser.parse(text) as XmlNode[];
  } catch (err) {
    throw bad(`Malformed XML: ${(err as Error).message}`);
  }
  const stray = nodes.find((n) => isText(n) && String(n['#text']).trim() !== '');
  if (stray) throw bad(`Malformed XML: text '${excerpt(String(stray['#text']))}' outside the root element`);
  const roots = nodes.filter((n) => !isText(n));
  if (roots.length !== 1) throw bad(`Malformed XML: expected one root element, found ${roots.length}`);
  const root = roots[0];
  const ns = attributesOf(root).xmlns;
  if (ns !== FHIR_NS) {
    throw bad(`The root element '${tagOf(root)}' must be in the FHIR namespace (xmlns="${FHIR_NS}")${ns ? `, not '${ns}'` : ''}`);
  }
  return new Reader(elementModel(defs)).resource(root, tagOf(root));
}

class Reader {
  constructor(private readonly model: ElementModel) {}

  resource(node: XmlNode, where: string): Json {
    const type = tagOf(node);
    if (!this.model.isResourceType(type)) throw bad(`Unknown resource type '${type}' at ${where}`);
    const out: Json = { resourceType: type };
    this.content(out, type, node, type);
    return out;
  }

  /** Reads the attributes and child elements of `node`, whose content has the given shape, into `out`. */
  private content(out: Json, shape: string, node: XmlNode, where: string): void {
    for (const [name, raw] of Object.entries(attributesOf(node))) {
      if (name === 'xmlns') {
        if (raw !== FHIR_NS) throw bad(`Element ${where} is in namespace '${raw}', expected '${FHIR_NS}'`);
        continue;
      }
      if (name.includes(':')) continue; // namespace declarations and xsi:schemaLocation
      if (!this.model.property(shape, name)?.element.xmlAttr) throw bad(`Unknown attribute '${name}' on ${where}`);
      out[name] = decodeAttribute(raw, `${where}/@${name}`);
    }
    const repeated = new Set<string>();
    for (const child of childrenOf(node)) {
      if (isText(child)) {
        const text = String(child['#text']);
        if (text.trim() !== '') throw bad(`Unexpected text '${excerpt(text)}' in ${where}: FHIR XML carries values in 'value' attributes`);
        continue;
      }
      const name = tagOf(child);
      const prop = this.model.property(shape, name);
      if (!prop || prop.element.xmlAttr) throw bad(`Unknown element '${name}' in ${where}`);
      const at = `${where}.${name}`;
      const [value, extra] = this.value(child, prop, at);
      if (prop.element.repeats) {
        repeated.add(name);
        this.append(out, name, value, extra);
      } else {
        if (name in out || `_${name}` in out) throw bad(`Element ${at} appears more than once but does not repeat`);
        if (value !== undefined) out[name] = value;
        if (extra) out[`_${name}`] = extra;
      }
    }
    for (const name of repeated) {
      const values = out[name] as unknown[];
      const extras = out[`_${name}`] as unknown[] | undefined;
      if (extras) while (extras.length < values.length) extras.push(null);
      if (values.every((v) => v === null)) delete out[name];
    }
  }

  /** Repeating elements: values and their `_` companions stay index-aligned, with nulls where one is missing. */
  private append(out: Json, name: string, value: unknown, extra: Json | undefined): void {
    const values = (out[name] ??= []) as unknown[];
    if (extra || `_${name}` in out) {
      const extras = (out[`_${name}`] ??= []) as unknown[];
      while (extras.length < values.length) extras.push(null);
      extras.push(extra ?? null);
    }
    values.push(value ?? null);
  }

  /** The JSON value of one element, and for primitives the `_name` object with its id and extensions. */
  private value(node: XmlNode, prop: PropertyInfo, where: string): [unknown, Json | undefined] {
    if (prop.type === 'xhtml') return [this.xhtml(node, where), undefined];
    if (this.model.isPrimitive(prop.type)) {
      const read: Json = {};
      this.content(read, prop.type, node, where);
      const { value, ...extra } = read;
      const json = value === undefined ? undefined : this.primitive(value as string, prop.type, where);
      return [json, Object.keys(extra).length > 0 ? extra : undefined];
    }
    if (this.model.isResource(prop.type)) {
      const attrs = Object.entries(attributesOf(node)).filter(([k]) => !k.startsWith('xmlns'));
      if (attrs.length > 0) throw bad(`Unknown attribute '${attrs[0][0]}' on ${where}`);
      const inner = childrenOf(node).filter((c) => !isText(c) || String(c['#text']).trim() !== '');
      if (inner.length !== 1 || isText(inner[0])) throw bad(`${where} must contain exactly one resource`);
      return [this.resource(inner[0], where), undefined];
    }
    const out: Json = {};
    this.content(out, prop.shape, node, where);
    return [out, undefined];
  }

  private primitive(raw: string, type: string, where: string): unknown {
    switch (this.model.jsonKind(type)) {
      case 'boolean':
        if (raw !== 'true' && raw !== 'false') throw bad(`Invalid boolean '${raw}' at ${where}`);
        return raw === 'true';
      case 'number':
        if (!DECIMAL.test(raw)) throw bad(`Invalid ${type} '${raw}' at ${where}`);
        return Number(raw);
      default:
        return raw;
    }
  }

  /** The narrative as written: start tag rebuilt from its (raw) attributes, content untouched. */
  private xhtml(node: XmlNode, where: string): string {
    const attrs = attributesOf(node);
    if (attrs.xmlns !== XHTML_NS) throw bad(`${where} must be in the XHTML namespace (xmlns="${XHTML_NS}")`);
    const start = Object.entries(attrs)
      .map(([k, v]) => (v.includes('"') ? ` ${k}='${v}'` : ` ${k}="${v}"`))
      .join('');
    const content = childrenOf(node)
      .map((c) => String(c['#text'] ?? ''))
      .join('');
    return `<div${start}>${content}</div>`;
  }
}
