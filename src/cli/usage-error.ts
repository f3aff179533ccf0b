// The CLI's name for a mistake on the command line (exit 2): the option grammar's own error, so an
// option refused here is refused in the same words as in Slack.
export { OptionError as UsageError } from '../app/upgrade-options.js';
