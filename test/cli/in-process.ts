// The CLI in this process, as a shell with nothing of mngbot's set would run it: everything but
// signals, exits and the bin script itself.
import { cliMain } from '../../src/cli.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of a shell with nothing of mngbot's set (the simulator, no config, no data dir), plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of Object.keys(env)) if (k.startsWith('MNG_') && !(k in extra)) delete env[k];
  for (const k of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'KUBECONFIG']) delete env[k];
  // The AWS SDK is never reached here; keep its Node-version notice out of stderr all the same.
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return env;
}

export async function inProcess(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await cliMain(args, {
    out: (line) => (stdout += `${line}\n`),
    err: (line) => (stderr += `${line}\n`),
    interactive: false,
    ask: async () => undefined,
    env: cleanEnv(env),
  });
  return { code, stdout, stderr };
}
