// What the engine tells people, as data: a code and typed fields per finding and per refusal.
// Each front end words them (slack/blocks/words.ts, cli/words.ts) through outcome-text.ts with its
// own vocabulary; the engine keeps a neutral wording only for logs and for errors nobody words.
import type { GroupRef } from './ports.js';
import type { Actor, Run, RunStatus, Strategy } from './run.js';

export type Severity = 'block' | 'warn' | 'info';

/** Some names, and how many there are in all (the names are capped, the count is not). */
export interface Named {
  names: string[];
  total: number;
}

export type FindingFacts =
  | { code: 'nodegroup-not-active'; fields: { nodegroup: string; status: string } }
  | { code: 'cluster-not-active'; fields: { cluster: string; status: string } }
  | { code: 'al2-end'; fields: { nodegroup: string; amiType: string; lastVersion: string; target: string } }
  | { code: 'unmanaged-pod'; fields: { pods: Named; forced: boolean } }
  | { code: 'pdb-no-disruption'; fields: { budgets: { pdb: string; pods: Named }[]; total: number } }
  | { code: 'emptydir'; fields: { pods: Named } }
  | { code: 'single-replica'; fields: { workloads: Named } }
  /** `pods` mount the Docker socket; none is the informational kind. */
  | { code: 'dockershim'; fields: { pods: Named } }
  | {
      code: 'version-skew';
      fields: {
        /** Nodes behind; 0 when only the group's own version is. */
        nodes: number;
        nodegroup: string;
        kubelet: string;
        controlPlane: string;
        /** Minors behind the control plane; negative when newer. */
        behind: number;
        allowed: number;
        /** Still behind after the upgrade; absent when it brings them within the supported skew. */
        behindAfter?: number;
      };
    }
  | { code: 'surge-exceeds-nodes'; fields: { surge: number; nodes: number } }
  | { code: 'capped-to-group'; fields: { asked: { option: 'max-unavailable' | 'surge'; asked: number; cap: number }[]; nodes: number; surge: number } }
  | { code: 'same-version'; fields: { nodegroup: string; version: string; fromRelease: string; toRelease: string } }
  | { code: 'patch-ignored'; fields: { requested: string; asked: string; release: string } }
  | { code: 'instance-not-joined'; fields: { nodegroup: string; instances: Named } }
  | { code: 'mngbot-on-node'; fields: { pod?: string; node: string; az: string } }
  /** Update strategy MINIMAL: the trade (no surge; capacity dips while nodes are replaced). */
  | { code: 'minimal-capacity-dip'; fields: { nodegroup: string; maxUnavailable: number; nodes: number; desired: number } }
  /** MINIMAL refused: budgets that never allow an eviction. */
  | { code: 'minimal-pdb-blocks'; fields: { budgets: { pdb: string; pods: Named }[]; total: number } }
  /** MINIMAL refused: the pods of the nodes drained at once do not fit on the nodes that stay. */
  | { code: 'minimal-no-room'; fields: { need: number; room: number; nodes: Named; maxUnavailable: number } }
  /** Pods unhealthy on the old nodes before the run: the health gate does not blame them on the new image. */
  | { code: 'unhealthy-before'; fields: { pods: Named; workloads: number } };

export type FindingCode = FindingFacts['code'];

interface FindingBase {
  severity: Severity;
  /** The objects concerned: namespace/name of pods or PDBs, node names. */
  subjects: string[];
  /** The neutral wording, for logs and for readers that know no vocabulary. */
  message: string;
}

/** A finding recorded before findings carried fields (a stored run): its message is all there is. */
export interface RecordedFinding extends FindingBase {
  code: string;
  fields?: undefined;
}

export type Finding = (FindingFacts & FindingBase) | RecordedFinding;

/** What a front end needs to point someone at the request that already waits for an approval. */
export interface PendingRequest {
  runId: string;
  ref: GroupRef;
  requestedBy: Actor;
  createdAt: number;
  expiresAt?: number;
  /** Where a chat front end shows it (run.notify): channel, and the plan message that is its thread. */
  notify?: Run['notify'];
}

export type RefusalFacts =
  | { code: 'plan-refused'; fields: { blocking: Finding[] } }
  | { code: 'pending-request'; fields: PendingRequest }
  | { code: 'active-run'; fields: { ref: GroupRef; runId: string; status: RunStatus } }
  | { code: 'no-such-run'; fields: { runId: string } }
  | { code: 'run-ended'; fields: { runId: string; status: RunStatus } }
  | { code: 'run-cleaning-up'; fields: { runId: string; status: RunStatus } }
  | { code: 'run-not-running'; fields: { runId: string; status: RunStatus } }
  | { code: 'run-not-paused'; fields: { runId: string; status: RunStatus } }
  | { code: 'already-decided'; fields: { runId: string; decision: string; by?: string } }
  | { code: 'request-expired'; fields: { runId: string } }
  /** `action` is what was asked (approve, reject, force, skip, abort). */
  | { code: 'not-approver'; fields: { action: string; of: 'upgrades' | 'a blocked drain' | 'a run' | 'the health gate' } }
  | { code: 'self-approval'; fields: { runId: string } }
  | { code: 'no-decision-waiting'; fields: { runId: string; node: string; status: RunStatus } }
  | { code: 'already-chosen'; fields: { node: string; by: string; choice: string } }
  | { code: 'eks-cannot-stop'; fields: { runId: string; action: 'cancel' | 'pause'; updateId?: string; fromRelease: string } }
  | { code: 'strategy-unsuited'; fields: { nodegroup: string; requested: Strategy } }
  | { code: 'unknown-strategy'; fields: { requested: string } }
  | { code: 'surge-with-eks'; fields: { eksSurgeReason: string } }
  | { code: 'bad-surge'; fields: { got: number } }
  | { code: 'surge-with-minimal'; fields: { surge: number } }
  | { code: 'bad-max-unavailable'; fields: { source: 'request' | 'default' | 'group' | 'built-in'; nodegroup: string; got: number | string } }
  | { code: 'bad-drain-timeout'; fields: { gotMs: number } }
  /** `release` absent: the group has no running instance at all. */
  | { code: 'nothing-to-do'; fields: { nodegroup: string; release?: string } }
  | { code: 'store-unavailable'; fields: { cause: string } }
  | { code: 'rollback-refused'; fields: RollbackRefusal };

/** Why a run cannot be rolled back (app/rollback.ts). */
export type RollbackRefusal =
  | { runId: string; reason: 'changed-nothing'; status: RunStatus }
  /** What the group ran before the run was not recorded (a custom image with no release, a run that never recorded the group). */
  | { runId: string; reason: 'previous-unknown'; nodegroup: string; missing: 'release' | 'image' | 'launch-template version' }
  | { runId: string; reason: 'newer-run'; nodegroup: string; newerRunId: string; newerStatus: RunStatus }
  /** `stopped`: the run was under way, and was cancelled for the rollback before this was found. */
  | { runId: string; reason: 'nothing-to-roll-back'; nodegroup: string; release: string; stopped?: boolean; atGate?: boolean }
  /** EKS is updating the group for the run: nothing can stop it, so it cannot be stopped for a rollback either. */
  | { runId: string; reason: 'eks-update-running'; updateId?: string };

export type RefusalCode = RefusalFacts['code'];

/** What a person can do about a run that did not succeed, when it involves asking again. */
export type NextStepFacts = { code: 'eks-eviction-retry'; fields: { minutes: number } };

/** A front end's words for what a person types. */
export interface Vocabulary {
  /** An option of an upgrade request, as a person types it there. */
  option(name: 'force' | 'surge' | 'max-unavailable' | 'now' | 'deregistration-wait' | 'update-strategy'): string;
  /** How to ask for a strategy. */
  strategy(strategy: Strategy): string;
  /** The command that shows one run, or every run. */
  status(runId?: string): string;
  /** The command that asks for an upgrade. */
  upgrade(): string;
}
