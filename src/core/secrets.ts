/**
 * Which configuration values are secret, so that they are masked wherever configuration or output
 * is shown. Pure: no I/O.
 */

/** The words that make a variable's name look secret, unless the caller gives its own. */
export const DEFAULT_SECRET_WORDS: readonly string[] = ['password', 'passwd', 'pwd', 'secret', 'token', 'key', 'credential', 'auth'];

/** What replaces a secret value wherever it would be shown. */
export const MASK = '***';

/** Decides whether a variable name looks secret. */
export type SecretNameMatcher = (name: string) => boolean;

/**
 * Builds a matcher for secret-looking names from a list of words (case-insensitive).
 *
 * A name is split into words at `_`, `-`, `.` and camelCase boundaries (`DB_PWD_ENV` →
 * `db pwd env`, `apiKey` → `api key`). It is secret when one of its words is a secret word or its
 * plural (`DB_PWD_ENV`, `API_KEYS`), when a word starts with `auth` (`AUTHORIZATION`), or when a word
 * contains a secret word of five letters or more (`DBPASSWORD`, `GITHUBTOKEN`). Short words match
 * only whole, so `MONKEY` and `KEYBOARD_LAYOUT` are not secret.
 *
 * @example secretNameMatcher()('DB_PWD_ENV') // true
 */
export function secretNameMatcher(words: readonly string[] = DEFAULT_SECRET_WORDS): SecretNameMatcher {
  const whole = new Set(words.flatMap((w) => [w.toLowerCase(), `${w.toLowerCase()}s`]));
  const contained = words.map((w) => w.toLowerCase()).filter((w) => w.length >= 5);
  const prefixed = words.map((w) => w.toLowerCase()).filter((w) => w === 'auth');
  return (name) =>
    splitNameWords(name).some(
      (word) => whole.has(word) || contained.some((w) => word.includes(w)) || prefixed.some((w) => word.startsWith(w)),
    );
}

/** `DB_PWD_ENV` → `['db', 'pwd', 'env']`, `apiKeyId` → `['api', 'key', 'id']`. */
function splitNameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_.\-]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
}

/** Values a secret-looking name often holds that are no secret: masking them would garble every message (`must be *** or false`). */
const NOT_SECRET = /^(?:true|false|yes|no|on|off|none|null|enabled|disabled)$/i;

/**
 * The values of the secret-looking variables of an environment: what output masking must hide.
 * Values too weak to be a secret are left out: empty ones and single characters (masking them would
 * mask nearly everything), and flags such as `true`, `no` or `disabled` (`AUTH_ENABLED=true`).
 */
export function secretValues(env: Readonly<Record<string, string>>, isSecret: SecretNameMatcher = secretNameMatcher()): string[] {
  return Object.entries(env)
    .filter(([name, value]) => value.length > 1 && !NOT_SECRET.test(value) && isSecret(name))
    .map(([, value]) => value);
}

/** A copy of `env` with the values of secret-looking names replaced by {@link MASK}. */
export function maskEnv(env: Readonly<Record<string, string>>, isSecret: SecretNameMatcher = secretNameMatcher()): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, isSecret(name) ? MASK : value]));
}

/**
 * Replaces every occurrence of the given secret values in `text` with {@link MASK}, longest value
 * first (so a secret that contains another is masked whole). Empty values are ignored.
 *
 * @example maskSecrets('psql -p hunter2', ['hunter2']) // 'psql -p ***'
 */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let masked = text;
  for (const secret of [...new Set(secrets)].filter((s) => s !== '').sort((a, b) => b.length - a.length)) {
    masked = masked.replaceAll(secret, MASK);
  }
  return masked;
}
