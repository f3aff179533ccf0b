// The progress reporter's public face, for the Slack app, its handlers, tests and the benchmark; the
// pieces are in progress/: the reporter that wires them, one editor per message, the rate limiter,
// the retry policy, thread replies.
export type { ChatApi } from './progress/chat-api.js';
export type { EditRecord } from './progress/message-editor.js';
export { ProgressReporter } from './progress/progress-reporter.js';
