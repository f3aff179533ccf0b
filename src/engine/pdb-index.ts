// Which PDB covers each pod the watch shows, and per PDB how many of its pods are healthy, kept as pods
// change: a drain asks this on every step, for every budget it waits on, and counting the namespace's
// pods each time made a large group's run quadratic.
import type { PdbInfo, PodInfo } from './ports.js';

export const pdbKey = (b: { namespace: string; name: string }): string => `${b.namespace}/${b.name}`;

/** Every label the selector asks for, with its value (an empty selector matches all). */
export function matchesLabels(selector: Record<string, string>, labels: Record<string, string>): boolean {
  for (const [k, v] of selectorEntries(selector)) if (labels[k] !== v) return false;
  return true;
}

/** matchLabels only; an empty selector matches nothing here (PdbInfo cannot say what it was). */
export function selects(pdb: PdbInfo, pod: PodInfo): boolean {
  if (pdb.namespace !== pod.namespace) return false;
  return selectorEntries(pdb.selector).length > 0 && matchesLabels(pdb.selector, pod.labels);
}

// Asked for every pod the watch shows (and the plan sees): a selector is taken apart once.
const entriesOf = new WeakMap<Record<string, string>, [string, string][]>();
function selectorEntries(selector: Record<string, string>): [string, string][] {
  let e = entriesOf.get(selector);
  if (!e) entriesOf.set(selector, (e = Object.entries(selector)));
  return e;
}

/** What the index keeps of a PDB: its latest listing, and its pods' health as the watch shows it. */
interface Covered {
  pdb: PdbInfo;
  healthy: number;
  /** Longest grace period seen among its pods (pods of one workload share it; never lowered). */
  longestGraceS: number;
}

/**
 * A pod as the view holds it, with the PDB covering it (null: none; undefined: not matched yet). The
 * view keeps one per pod and changes it in place, so that a pod's change costs one lookup by uid.
 */
export interface PodEntry {
  pod: PodInfo;
  cover?: Covered | null;
}

export class PdbIndex {
  private listing: readonly PdbInfo[] = [];
  /** Names and selectors of the listing the index was built for: a new listing with the same ones keeps it. */
  private selectors = '';
  /** Grows when the listing's names or selectors change: what was worked out from the old ones is stale. */
  generation = 0;
  private covered = new Map<string, Covered>();

  /** A new listing of the PDBs; `entries`: every pod the view holds, looked at again when the selectors changed. */
  list(pdbs: readonly PdbInfo[], entries: Iterable<PodEntry>): void {
    this.listing = pdbs;
    const selectors = JSON.stringify(pdbs.map((b) => [b.namespace, b.name, b.selector]));
    if (selectors === this.selectors) {
      for (const b of pdbs) this.covered.get(pdbKey(b))!.pdb = b;
      return;
    }
    this.selectors = selectors;
    this.generation++;
    this.covered = new Map(pdbs.map((b) => [pdbKey(b), { pdb: b, healthy: 0, longestGraceS: 0 }]));
    for (const e of entries) {
      e.cover = undefined;
      this.put(e);
    }
  }

  /** The entry is new, or its pod changed namespace or labels (its previous version was dropped first). */
  put(e: PodEntry): void {
    const pdb = this.listing.find((b) => selects(b, e.pod));
    const c = pdb ? this.covered.get(pdbKey(pdb))! : null;
    e.cover = c;
    if (!c) return;
    if (healthy(e.pod)) c.healthy++;
    c.longestGraceS = Math.max(c.longestGraceS, e.pod.gracePeriodSeconds);
  }

  /** The entry's pod changes from `old` to `p` (the entry holds p already). */
  replace(e: PodEntry, old: PodInfo): void {
    const p = e.pod;
    if (e.cover === undefined || old.namespace !== p.namespace || !sameLabels(old.labels, p.labels)) {
      this.drop({ pod: old, cover: e.cover });
      this.put(e);
      return;
    }
    const c = e.cover;
    if (c === null) return;
    c.healthy += Number(healthy(p)) - Number(healthy(old));
    c.longestGraceS = Math.max(c.longestGraceS, p.gracePeriodSeconds);
  }

  drop(e: PodEntry): void {
    if (e.cover && healthy(e.pod)) e.cover.healthy--;
    e.cover = undefined;
  }

  /** Every pod is gone (the view re-lists); the PDBs stay listed. */
  clear(): void {
    for (const c of this.covered.values()) c.healthy = 0;
  }

  /** The PDB of the latest listing that covers the pod (one the watch has not shown is matched now). */
  covering(e: PodEntry | undefined, p: PodInfo): PdbInfo | undefined {
    if (e?.cover === undefined) return this.listing.find((b) => selects(b, p));
    return e.cover?.pdb;
  }

  /** Pods the PDB covers that are Ready and not leaving. */
  healthy(pdb: PdbInfo): number {
    return this.covered.get(pdbKey(pdb))?.healthy ?? 0;
  }

  longestGraceS(pdb: PdbInfo): number {
    return this.covered.get(pdbKey(pdb))?.longestGraceS ?? 0;
  }
}

const healthy = (p: PodInfo) => p.ready && !p.terminating;

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}
