/**
 * FHIR JSON → FHIR XML for R4, driven by the StructureDefinitions: elements in
 * definition order, primitives as `value` attributes with their `_name` id and
 * extensions, `id`/`url` attributes, nested resources wrapped in their element,
 * the narrative `div` written as given.
 */
import type { Definitions } from '../definitions.ts';
import { FhirError } from '../errors.ts';
import { escapeAttribute } from './escape.ts';
import { capitalize, elementModel, type ElementInfo, type ElementModel, type PropertyInfo } from './element-model.ts';
import { FHIR_NS, XHTML_NS } from './parse.ts';

type Json = Record<string, unknown>;

function bad(message: string): FhirError {
  return new FhirError('incorrect', message);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Serialises a FHIR resource (JSON form) as FHIR XML; `pretty` indents with two spaces. */
export function toFhirXml(resource: Record<string, unknown>, defs: Definitions, pretty = false): string {
  const writer = new Writer(elementModel(defs), pretty);
  writer.resource(resource, 0, String(resource?.resourceType ?? 'the document'), true);
  return writer.text();
}

class Writer {
  private readonly out: string[] = [];

  constructor(
    private readonly model: ElementModel,
    private readonly pretty: boolean,
  ) {}

  text(): string {
    return this.out.join(this.pretty ? '\n' : '') + (this.pretty ? '\n' : '');
  }

  private line(depth: number, s: string): void {
    this.out.push(this.pretty ? '  '.repeat(depth) + s : s);
  }

  resource(res: unknown, depth: number, where: string, root = false): void {
    const type = isObject(res) ? res.resourceType : undefined;
    if (typeof type !== 'string' || !this.model.isResourceType(type)) {
      throw bad(`${where} is not a FHIR resource (resourceType ${type === undefined ? 'missing' : `'${String(type)}' unknown`})`);
    }
    const ns = root ? ` xmlns="${FHIR_NS}"` : '';
    this.element(type, ns, res as Json, type, depth, type);
  }

  /** Writes `<name attrs>content</name>`, or `<name attrs/>` when there is no content. */
  private element(name: string, attrs: string, obj: Json, shape: string, depth: number, where: string): void {
    const start = this.out.length;
    this.content(obj, shape, depth + 1, where);
    if (this.out.length === start) {
      this.line(depth, `<${name}${attrs}/>`);
    } else {
      this.out.splice(start, 0, this.pretty ? '  '.repeat(depth) + `<${name}${attrs}>` : `<${name}${attrs}>`);
      this.line(depth, `</${name}>`);
    }
  }

  /** The XML attributes of an object of the given shape (`id`, `url`). */
  private attributes(obj: Json, shape: string): string {
    let s = '';
    for (const e of this.model.elements(shape) ?? []) {
      if (!e.xmlAttr || e.name === 'value') continue;
      const v = obj[e.name];
      if (v !== undefined && v !== null) s += ` ${e.name}="${escapeAttribute(String(v))}"`;
    }
    return s;
  }

  private content(obj: Json, shape: string, depth: number, where: string): void {
    for (const key of Object.keys(obj)) {
      if (key === 'resourceType' && this.model.isResourceType(shape)) continue;
      const name = key.startsWith('_') ? key.slice(1) : key;
      if (!this.model.property(shape, name)) throw bad(`Unknown element '${key}' in ${where}`);
    }
    for (const e of this.model.elements(shape) ?? []) {
      if (e.xmlAttr) continue;
      for (const key of this.keys(e, obj)) {
        const prop = this.model.property(shape, key) as PropertyInfo;
        this.property(key, obj[key], obj[`_${key}`], prop, depth, `${where}.${key}`);
      }
    }
  }

  /** The JSON keys present in `obj` for an element: its name, or for a choice the typed names. */
  private keys(e: ElementInfo, obj: Json): string[] {
    const names = e.choice ? e.types.map((t) => e.name + capitalize(t)) : [e.name];
    return names.filter((k) => obj[k] !== undefined || obj[`_${k}`] !== undefined);
  }

  private property(key: string, value: unknown, extra: unknown, prop: PropertyInfo, depth: number, where: string): void {
    if (!prop.element.repeats) {
      this.item(key, value, extra, prop, depth, where);
      return;
    }
    const values = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
    const extras = extra === undefined || extra === null ? [] : Array.isArray(extra) ? extra : [extra];
    const n = Math.max(values.length, extras.length);
    for (let i = 0; i < n; i++) this.item(key, values[i], extras[i], prop, depth, `${where}[${i}]`);
  }

  private item(key: string, value: unknown, extra: unknown, prop: PropertyInfo, depth: number, where: string): void {
    if (prop.type === 'xhtml') {
      if (typeof value !== 'string') throw bad(`${where} must be a string of XHTML`);
      // without its namespace the div would land in the FHIR one
      this.line(depth, value.replace(/^<div(?![^>]*\sxmlns=)/, `<div xmlns="${XHTML_NS}"`));
      return;
    }
    if (this.model.isPrimitive(prop.type)) {
      if (value === null || value === undefined) value = undefined;
      else if (typeof value === 'object') throw bad(`${where} must be a primitive value`);
      if (extra !== undefined && extra !== null && !isObject(extra)) throw bad(`_${where} must be an object`);
      const ext: Json = isObject(extra) ? extra : {};
      if (value === undefined && Object.keys(ext).length === 0) return;
      const valueAttr = value === undefined ? '' : ` value="${escapeAttribute(String(value))}"`;
      this.element(key, this.attributes(ext, prop.type) + valueAttr, ext, prop.type, depth, where);
      return;
    }
    if (value === undefined || value === null) return;
    if (this.model.isResource(prop.type)) {
      this.line(depth, `<${key}>`);
      this.resource(value, depth + 1, where);
      this.line(depth, `</${key}>`);
      return;
    }
    if (!isObject(value)) throw bad(`${where} must be an object`);
    this.element(key, this.attributes(value, prop.shape), value, prop.shape, depth, where);
  }
}
