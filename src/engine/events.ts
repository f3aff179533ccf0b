// Every strategy emits these; Slack, the CLI and the store consume them.
import type { Blocker, DecisionChoice, GateReport, NewNodeState, NodeState, Phase, RunStatus } from './run.js';

interface EventBase {
  runId: string;
  /** Clock time of the change, ms. */
  at: number;
  /** Human-readable, one line. */
  detail: string;
}

export type ProgressEvent =
  | (EventBase & { kind: 'phase'; phase: Phase })
  | (EventBase & { kind: 'node'; node: string; state: NodeState; pods?: number; tookMs?: number })
  | (EventBase & { kind: 'new-node'; node: string; state: NewNodeState })
  /** A node that waited for a spent PDB got its disruption; `since`: when it first found the budget spent. */
  | (EventBase & { kind: 'pdb-turn'; node: string; pdb: string; since: number })
  | (EventBase & { kind: 'blocked'; node: string; blockers: Blocker[] })
  | (EventBase & { kind: 'decision'; node?: string; choice: DecisionChoice | 'cancel' | 'pause' | 'resume'; by: string })
  /**
   * The health gate: canary chosen, its pods Ready and baking, passed, or stopped the run with what it
   * found (the question).
   */
  | (EventBase & { kind: 'gate'; stage: 'canary' | 'baking' | 'passed' | 'stopped'; report?: GateReport })
  | (EventBase & { kind: 'warning'; node?: string })
  /** The bot restarted and picked the run up again; detail says what it found. */
  | (EventBase & { kind: 'resumed' })
  | (EventBase & { kind: 'status'; status: RunStatus });

export type ProgressEventKind = ProgressEvent['kind'];
export type ProgressListener = (event: ProgressEvent) => void;
