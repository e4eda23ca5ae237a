import { describe, expect, it } from 'vitest';
import { MASK, maskEnv, maskSecrets, secretNameMatcher, secretValues } from '../../src/core/secrets.js';

describe('secretNameMatcher', () => {
  const isSecret = secretNameMatcher();

  it('finds the default secret words as whole words, in any case and separator style', () => {
    for (const name of ['DB_PWD_ENV', 'DB_PASSWORD', 'db-passwd', 'API_KEY', 'apiKey', 'API_KEYS', 'GITHUB_TOKEN', 'client.secret', 'AWS_CREDENTIALS', 'AUTH', 'AUTHORIZATION_HEADER'])
      expect(isSecret(name), name).toBe(true);
  });

  it('finds long secret words inside a word, but short ones only whole', () => {
    expect(isSecret('DBPASSWORD')).toBe(true);
    expect(isSecret('GITHUBTOKEN')).toBe(true);
    for (const name of ['MONKEY', 'KEYBOARD_LAYOUT', 'DB_NAME_ENV', 'DB_HOST_ENV', 'PATH', 'WRITER_NAME'])
      expect(isSecret(name), name).toBe(false);
  });

  it('takes the caller’s own words instead of the defaults', () => {
    const custom = secretNameMatcher(['dsn']);
    expect(custom('SENTRY_DSN')).toBe(true);
    expect(custom('DB_PASSWORD')).toBe(false);
  });
});

describe('secretValues and maskEnv', () => {
  const env = { DB_NAME_ENV: 'analytics', DB_PWD_ENV: 's3cret', API_TOKEN: '', HOST: 'db' };

  it('lists the non-empty values of secret-looking names', () => {
    expect(secretValues(env)).toEqual(['s3cret']);
  });

  it('leaves out values too weak to be secrets, which would garble every message if masked', () => {
    expect(secretValues({ AUTH_ENABLED: 'true', API_KEY_REQUIRED: 'No', TOKEN_TTL: '5', AUTH_MODE: 'disabled', DB_PWD: 'ab' })).toEqual(['ab']);
  });

  it('masks the values of secret-looking names and keeps the rest', () => {
    expect(maskEnv(env)).toEqual({ DB_NAME_ENV: 'analytics', DB_PWD_ENV: MASK, API_TOKEN: MASK, HOST: 'db' });
  });
});

describe('maskSecrets', () => {
  it('replaces every occurrence of every secret, the longest first', () => {
    expect(maskSecrets('psql -p hunter2 --again=hunter2', ['hunter2'])).toBe(`psql -p ${MASK} --again=${MASK}`);
    expect(maskSecrets('token abc123456 and abc', ['abc', 'abc123456'])).toBe(`token ${MASK} and ${MASK}`);
  });

  it('ignores empty secrets and leaves text without secrets alone', () => {
    expect(maskSecrets('nothing here', ['', 'absent'])).toBe('nothing here');
  });
});
