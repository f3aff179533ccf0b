// XML for the query protocols' answers. Requests arrive form-encoded, so the server only ever writes
// XML, never reads it: a small writer over plain objects is all it needs, and keeps each answer's
// shape visible next to the handler that builds it (no XML library to learn or keep).

/** A value as it goes on the wire: objects become elements, arrays lists of `<member>`/`<item>`. */
export type XmlValue = string | number | boolean | Date | undefined | null | XmlValue[] | { [name: string]: XmlValue };

/** awsQuery (Auto Scaling, STS) lists their elements as <member>; ec2Query as <item>. */
export type ListElement = 'member' | 'item';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** `<name>…</name>`; undefined and null leave the element out, as AWS omits absent members. */
export function element(name: string, value: XmlValue, list: ListElement): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return `<${name}>${value.map((v) => element(list, v, list)).join('')}</${name}>`;
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object') return `<${name}>${children(value, list)}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function children(fields: { [name: string]: XmlValue }, list: ListElement): string {
  return Object.entries(fields)
    .map(([k, v]) => element(k, v, list))
    .join('');
}
