// Successful answers of the XML protocols, shaped as AWS shapes them.
import type { WireReply } from './wire-errors.js';
import { QUERY_NAMESPACES } from './wire-errors.js';
import { children, type XmlValue } from './xml.js';

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** awsQuery: <XResponse><XResult>…</XResult><ResponseMetadata/></XResponse>; no result element for actions that return nothing. */
export function queryReply(service: 'autoscaling' | 'sts', action: string, requestId: string, result?: Record<string, XmlValue>): WireReply {
  const inner = result ? `<${action}Result>${children(result, 'member')}</${action}Result>` : '';
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: `${XML_HEAD}<${action}Response xmlns="${QUERY_NAMESPACES[service]}">${inner}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

/** ec2Query: <XResponse><requestId/>…</XResponse>, lists as <item>. */
export function ec2Reply(action: string, requestId: string, fields: Record<string, XmlValue>): WireReply {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: `${XML_HEAD}<${action}Response xmlns="${QUERY_NAMESPACES.ec2}"><requestId>${requestId}</requestId>${children(fields, 'item')}</${action}Response>`,
  };
}
