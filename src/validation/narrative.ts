/**
 * Narrative XHTML safety (https://hl7.org/fhir/R4/narrative.html#xhtml): the invariants txt-1
 * (only the basic HTML formatting elements and attributes: no scripts, forms, frames, objects,
 * event handler attributes, `javascript:` URLs) and txt-2 (some non-whitespace content), which
 * the fhirpath engine cannot evaluate (`htmlChecks()`). The element and attribute lists are those
 * the HL7 Java validator allows. One pass of a tag scanner over the text: this runs on every
 * write, so it does not build a DOM.
 */

const ELEMENTS = new Set(
  'p br div h1 h2 h3 h4 h5 h6 a span b em i strong small big tt dfn q var abbr acronym cite blockquote hr address bdo kbd sub sup ul ol li dl dt dd pre table caption colgroup col thead tr tfoot tbody th td code samp img map area'.split(' '),
);

const ATTRIBUTES = new Set(
  'title style class id lang xml:lang xml:space xmlns dir accesskey tabindex span width align valign char charoff abbr axis headers scope rowspan colspan'.split(' '),
);

const ELEMENT_ATTRIBUTES = new Set(
  'a.href a.name img.src img.border div.xmlns blockquote.cite q.cite a.charset a.type a.hreflang a.rel a.rev a.shape a.coords img.alt img.longdesc img.height img.width img.usemap img.ismap map.name area.shape area.coords area.href area.nohref area.alt table.summary table.width table.border table.frame table.rules table.cellspacing table.cellpadding pre.space td.nowrap'.split(
    ' ',
  ),
);

const TAG = /<(\/?)([^\s/>!?]+)([^>]*)>|<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<[!?][^>]*>/g;
const ATTRIBUTE = /([^\s=/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?/g;
const SCRIPT_URL = /^(javascript|vbscript|livescript)\s*:/i;
const ENTITY = /&(#x[0-9a-f]+|#\d+|[a-z]+);/gi;

function decode(value: string): string {
  return value.replace(ENTITY, (m, e: string) => {
    if (e[0] !== '#') return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", colon: ':', tab: '\t', newline: '\n' } as Record<string, string>)[e.toLowerCase()] ?? m;
    const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return Number.isFinite(n) && n > 0 && n < 0x110000 ? String.fromCodePoint(n) : m;
  });
}

/**
 * Undefined when the narrative is safe (txt-1) and, if `requireContent`, has content (txt-2);
 * otherwise the reason. Writes check safety only (an empty narrative is harmless, and the R4
 * examples have some); full validation checks both.
 */
export function narrativeProblem(div: string, requireContent = false): string | undefined {
  let text = '';
  let last = 0;
  let hasImage = false;
  TAG.lastIndex = 0;
  for (let m = TAG.exec(div); m !== null; m = TAG.exec(div)) {
    text += div.slice(last, m.index);
    last = TAG.lastIndex;
    const name = m[2];
    if (name === undefined) {
      const raw = m[0];
      if (raw.startsWith('<![CDATA[')) text += raw.slice(9, -3);
      else if (!raw.startsWith('<!--')) return `txt-1: the narrative must not contain processing instructions or declarations ('${raw.slice(0, 40)}')`;
      continue;
    }
    const element = name.toLowerCase();
    if (!ELEMENTS.has(element)) return `txt-1: the narrative may only use basic HTML formatting elements; '<${name}>' is not allowed`;
    if (m[1] === '/') continue;
    if (element === 'img') hasImage = true;
    const attrs = m[3];
    if (attrs.trim() === '' || attrs.trim() === '/') continue;
    ATTRIBUTE.lastIndex = 0;
    for (let a = ATTRIBUTE.exec(attrs); a !== null; a = ATTRIBUTE.exec(attrs)) {
      const attr = a[1];
      if (attr === '/') continue;
      const lower = attr.toLowerCase();
      if (lower.startsWith('xmlns:')) continue;
      if (!ATTRIBUTES.has(lower) && !ELEMENT_ATTRIBUTES.has(`${element}.${lower}`)) {
        return lower.startsWith('on')
          ? `txt-1: the narrative must not contain event handler attributes ('${attr}' on <${name}>)`
          : `txt-1: the attribute '${attr}' is not allowed on <${name}> in a narrative`;
      }
      const quoted = a[2];
      if (quoted === undefined) continue;
      const value = decode(quoted[0] === '"' || quoted[0] === "'" ? quoted.slice(1, -1) : quoted).replace(/[\s\u0000-\u001f]+/g, '');
      if (SCRIPT_URL.test(value) || (lower === 'style' && /expression\s*\(|javascript:/i.test(value))) {
        return `txt-1: the narrative must not contain script URLs ('${attr}' on <${name}>)`;
      }
    }
  }
  text += div.slice(last);
  if (requireContent && !hasImage && decode(text).trim() === '') return 'txt-2: the narrative must have some non-whitespace content';
  return undefined;
}

export interface NarrativeLink {
  element: string;
  attribute: 'href' | 'src';
  value: string;
}

/** The links of a narrative (`<a href>`, `<img src>`, decoded) and its anchors (`id` attributes, `<a name>`). */
export function narrativeLinks(div: string): { links: NarrativeLink[]; anchors: string[] } {
  const links: NarrativeLink[] = [];
  const anchors: string[] = [];
  TAG.lastIndex = 0;
  for (let m = TAG.exec(div); m !== null; m = TAG.exec(div)) {
    const name = m[2]?.toLowerCase();
    if (name === undefined || m[1] === '/') continue;
    const attrs = m[3];
    if (attrs.trim() === '') continue;
    ATTRIBUTE.lastIndex = 0;
    for (let a = ATTRIBUTE.exec(attrs); a !== null; a = ATTRIBUTE.exec(attrs)) {
      const attr = a[1].toLowerCase();
      const raw = a[2];
      if (raw === undefined) continue;
      const value = decode(raw[0] === '"' || raw[0] === "'" ? raw.slice(1, -1) : raw).trim();
      if (attr === 'id' || (name === 'a' && attr === 'name')) anchors.push(value);
      else if ((name === 'a' && attr === 'href') || (name === 'img' && attr === 'src')) links.push({ element: name, attribute: attr, value });
    }
  }
  return { links, anchors };
}

/**
 * Every fragment a narrative link may point at inside `resource`: the ids of its elements (and
 * of its contained resources), and the ids and `<a name>` anchors of its narratives.
 */
export function narrativeTargets(resource: Record<string, unknown>): Set<string> {
  const ids = new Set<string>();
  const visit = (v: unknown, depth: number): void => {
    if (depth > 100 || typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) {
      for (const x of v) visit(x, depth + 1);
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      if (k === 'id' && typeof x === 'string') ids.add(x);
      else if (k === 'div' && typeof x === 'string') for (const a of narrativeLinks(x).anchors) ids.add(a);
      else visit(x, depth + 1);
    }
  };
  visit(resource, 0);
  return ids;
}

/**
 * The problems of a narrative's links (full validation): a hyperlink must not be empty; a link
 * within the document (`#x`, on `<a>` or `<img>`) must have a target (`hasTarget`); and `urn:`
 * and `cid:` are not schemes a browser can follow. (`javascript:` is txt-1's, above.)
 */
export function narrativeLinkProblems(div: string, hasTarget: (id: string) => boolean): string[] {
  if (!div.includes('href') && !div.includes('src')) return [];
  const problems: string[] = [];
  for (const link of narrativeLinks(div).links) {
    const v = link.value;
    if (v === '') {
      if (link.element === 'a') problems.push('A hyperlink in the narrative is empty');
    } else if (v.startsWith('#')) {
      if (v !== '#' && !hasTarget(v.slice(1))) problems.push(`The narrative's ${link.element === 'a' ? 'hyperlink' : 'image'} '${v}' does not resolve to anything in the resource`);
    } else {
      const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(v)?.[1]?.toLowerCase();
      if (link.element === 'a' && (scheme === 'urn' || scheme === 'cid')) problems.push(`The narrative's hyperlink '${v}' uses the scheme '${scheme}:', which a browser cannot follow`);
    }
  }
  return problems;
}
