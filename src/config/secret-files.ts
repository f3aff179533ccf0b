// Slack's secrets from files: SLACK_BOT_TOKEN_FILE names a file holding SLACK_BOT_TOKEN (a mounted
// Secret), so the token is never in the pod's environment, where `kubectl describe`, crash dumps and
// child processes could see it. The file's content is used as is, less the line ending editors add.

/** Each secret and the variable naming its file (test/deploy and the README list these). */
export const SECRET_FILES = {
  'SLACK_BOT_TOKEN': 'SLACK_BOT_TOKEN_FILE',
  'SLACK_APP_TOKEN': 'SLACK_APP_TOKEN_FILE',
  'SLACK_SIGNING_SECRET': 'SLACK_SIGNING_SECRET_FILE',
} as const;

export class SecretFileError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

type Env = Record<string, string | undefined>;

/** The environment with each *_FILE read into its variable; refuses both set, an unreadable or an empty file. */
export async function withSecretFiles(env: Env, readText: (path: string) => Promise<string>): Promise<Env> {
  const out: Env = { ...env };
  for (const [key, fileKey] of Object.entries(SECRET_FILES)) {
    const path = env[fileKey]?.trim();
    if (!path) continue;
    if (env[key]?.trim()) throw new SecretFileError(fileKey, `${key} is set too: set one of ${key} and ${fileKey}, not both`);
    let text: string;
    try {
      text = await readText(path);
    } catch (err) {
      throw new SecretFileError(fileKey, `cannot read ${path}: ${(err as Error).message} (mount the Secret there, or unset ${fileKey})`);
    }
    const value = text.replace(/\r?\n$/, '');
    if (!value.trim()) throw new SecretFileError(fileKey, `${path} is empty: it should hold ${key}`);
    out[key] = value;
    delete out[fileKey];
  }
  return out;
}
