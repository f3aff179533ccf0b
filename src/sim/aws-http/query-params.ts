// The form-encoded parameters of awsQuery and ec2Query requests ("Action=…&Names.member.1=…"), read
// with the checks AWS applies; a bad value is answered with the service's validation error.
import { AwsError } from './wire-errors.js';

export interface Filter {
  name: string;
  values: string[];
}

export class QueryParams {
  private readonly params: URLSearchParams;

  constructor(
    body: string,
    /** The service's code for a bad parameter: ValidationError (awsQuery) or InvalidParameterValue (EC2). */
    private readonly invalid: string,
    /** The service's code for a missing one. */
    private readonly missing: string,
  ) {
    this.params = new URLSearchParams(body);
  }

  get action(): string | undefined {
    return this.get('Action');
  }

  get(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }

  require(name: string): string {
    const v = this.get(name);
    if (v === undefined || v === '') throw new AwsError(this.missing, `The request must contain the parameter ${name}`);
    return v;
  }

  int(name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || n < min || n > max) {
      throw new AwsError(this.invalid, `Value '${v}' at '${name}' failed to satisfy constraint: Member must be a whole number from ${min} to ${max}`);
    }
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false') throw new AwsError(this.invalid, `Value '${v}' at '${name}' failed to satisfy constraint: Member must be true or false`);
    return v === 'true';
  }

  /** `prefix.1`, `prefix.2`, … in order ("Names.member" for awsQuery, "InstanceId" for EC2). */
  list(prefix: string): string[] {
    const out: string[] = [];
    for (let i = 1; ; i++) {
      const v = this.get(`${prefix}.${i}`);
      if (v === undefined) return out;
      out.push(v);
    }
  }

  /** EC2's Filter.N.Name / Filter.N.Value.M. */
  ec2Filters(): Filter[] {
    const out: Filter[] = [];
    for (let i = 1; this.get(`Filter.${i}.Name`) !== undefined; i++) {
      out.push({ name: this.get(`Filter.${i}.Name`)!, values: this.list(`Filter.${i}.Value`) });
    }
    return out;
  }

  /** Auto Scaling's Filters.member.N.Name / Filters.member.N.Values.member.M. */
  queryFilters(): Filter[] {
    const out: Filter[] = [];
    for (let i = 1; this.get(`Filters.member.${i}.Name`) !== undefined; i++) {
      out.push({ name: this.get(`Filters.member.${i}.Name`)!, values: this.list(`Filters.member.${i}.Values.member`) });
    }
    return out;
  }
}

/** EC2 filter values match with * and ? wildcards. */
export function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(text);
}

/** Paging by position: the token is the index of the next item, opaque to the caller. */
export function pageOf<T>(items: T[], token: string | undefined, size: number, invalid: AwsError): { page: T[]; next?: string } {
  let start = 0;
  if (token !== undefined) {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    const m = /^page:(\d+)$/.exec(decoded);
    if (!m) throw invalid;
    start = Number(m[1]);
  }
  const page = items.slice(start, start + size);
  const end = start + page.length;
  return end < items.length ? { page, next: Buffer.from(`page:${end}`).toString('base64url') } : { page };
}
