// The two people of the out-of-the-box demo: one asks for upgrades, the other approves them. Make
// both approvers to show the four-eyes rule (dana is refused on her own request unless
// self-approval is allowed); make only sam one to show "only approvers may approve".
import type { ConsoleUser } from './workspace.js';

export const DEMO_REQUESTER: ConsoleUser = { id: 'U0REQUESTER', name: 'dana', realName: 'Dana Requester', role: 'requester' };
export const DEMO_APPROVER: ConsoleUser = { id: 'U0APPROVER', name: 'sam', realName: 'Sam Approver', role: 'approver' };
export const DEMO_PEOPLE: readonly ConsoleUser[] = [DEMO_REQUESTER, DEMO_APPROVER];
