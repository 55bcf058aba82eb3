import nodeFs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { PolicyFile, type KioskPolicy, type PolicyProblemCode } from '../../contract/kiosk';

/**
 * The machine-wide policy file a store's IT department installs. It turns a normal install into
 * a managed one (the API address pinned) or a store kiosk. Read once, before any window exists.
 * A file that is present but cannot be used stops the app with a message on screen: a kiosk must
 * never come up as a normal install, where a customer's sign-in would be kept on the machine.
 */

/** Where the policy file lives on each platform, unless `--policy <file>` says otherwise. */
export function policyPathFor(
  platform: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (platform === 'win32') {
    const programData = env['ProgramData'] ?? env['PROGRAMDATA'] ?? 'C:\\ProgramData';
    return path.win32.join(programData, 'Airtime', 'policy.json');
  }
  if (platform === 'darwin') return '/Library/Application Support/Airtime/policy.json';
  return '/etc/airtime/policy.json';
}

/**
 * The file given with `--policy <file>` or `--policy=<file>`; `null` when the flag is absent.
 * A flag without a file answers `''`, which {@link loadPolicy} reports as a missing file rather
 * than quietly reading the default one.
 */
export function policyArgument(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return null;
    if (arg === '--policy') {
      const next = argv[i + 1];
      return next === undefined || next.startsWith('--') ? '' : next;
    }
    if (arg.startsWith('--policy=')) return arg.slice('--policy='.length);
  }
  return null;
}

/** A managed install's policy: `kiosk: false`, the API address optionally pinned. */
export type ManagedPolicyFile = Extract<PolicyFile, { kiosk: false }>;

export type PolicyOutcome =
  | { mode: 'normal' }
  | { mode: 'managed'; policy: ManagedPolicyFile; path: string }
  | { mode: 'kiosk'; policy: KioskPolicy; path: string }
  | { mode: 'blocked'; code: PolicyProblemCode; message: string; path: string };

/** The parts of `node:fs` the loader uses. */
export interface PolicyFs {
  readFileSync(file: string, encoding: 'utf8'): string;
  statSync(file: string): { mode: number; uid: number; gid: number };
}

/** Who the app runs as, for the "can this account change the policy?" check (POSIX only). */
export interface PolicyUser {
  uid: number;
  gids: readonly number[];
}

export interface LoadPolicyOptions {
  /** From `--policy`; `null`/absent: the platform's default path. */
  explicitPath?: string | null;
  platform: string;
  env: Readonly<Record<string, string | undefined>>;
  fs?: PolicyFs;
  /** Default: the current process's user and groups; `null` skips the check (Windows). */
  user?: PolicyUser | null;
}

const ASK_IT = 'Ask your IT department to fix it, then restart Airtime.';

export const POLICY_MESSAGES = {
  missing: (file: string) =>
    `Airtime was started with a store policy file, but there is no file at ${file}. ${ASK_IT}`,
  noPath: `Airtime was started with --policy but without a file name after it. ${ASK_IT}`,
  unreadable: (file: string, why: string) =>
    `Airtime cannot read its store policy file at ${file} (${why}). ${ASK_IT}`,
  malformed: (file: string, where: string) =>
    `The store policy file at ${file} is damaged: it is not valid JSON (${where}). ${ASK_IT}`,
  invalid: (file: string, issues: readonly string[]) =>
    `The store policy file at ${file} has settings Airtime cannot use — ${issues.join('; ')}. ${ASK_IT}`,
  writable: (file: string) =>
    `The store policy file at ${file} can be changed by the account this kiosk runs as, so anyone at the kiosk could change it. Make it read-only and owned by an administrator, then restart Airtime.`,
} as const;

function currentUser(): PolicyUser | null {
  if (typeof process.getuid !== 'function') return null;
  const gids = typeof process.getgroups === 'function' ? process.getgroups() : [];
  const gid = typeof process.getgid === 'function' ? [process.getgid()] : [];
  return { uid: process.getuid(), gids: [...gid, ...gids] };
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/** Where JSON.parse gave up, as a person can find it in an editor. */
export function describeJsonError(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (text.trim() === '') return 'the file is empty';
  if (/end of JSON input/i.test(message)) return 'the file ends before the settings are complete';
  const position = /position (\d+)/.exec(message);
  if (position)
    return `${message.replace(/ in JSON at position \d+.*$/, '')} at ${lineColumn(text, Number(position[1]))}`;
  return message;
}

/** One line per problem: `idleWipeSeconds: Too small: expected number to be >=30`. */
export function describeIssues(issues: z.ZodError['issues']): string[] {
  return issues.flatMap((issue) => {
    const field = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map(
        (key) =>
          `${field ? `${field}.` : ''}${key}: not a setting Airtime knows (check its spelling)`,
      );
    }
    if (issue.code === 'invalid_union' && field === 'kiosk') {
      return ['kiosk: must be true (a store kiosk) or false (a managed install)'];
    }
    return [`${field || 'policy'}: ${issue.message}`];
  });
}

function errnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when `user` may write the file: by owner, group or other permission bits. */
export function writableBy(stat: { mode: number; uid: number; gid: number }, user: PolicyUser) {
  if (stat.uid === user.uid) return (stat.mode & 0o200) !== 0;
  if (user.gids.includes(stat.gid)) return (stat.mode & 0o020) !== 0;
  return (stat.mode & 0o002) !== 0;
}

/**
 * Reads and checks the policy file. No file at the default path is a normal install; every other
 * problem blocks the app with a code and a message a store manager can pass to IT. Never throws.
 */
export function loadPolicy(options: LoadPolicyOptions): PolicyOutcome {
  const fs = options.fs ?? nodeFs;
  const explicit = options.explicitPath ?? null;
  const file = explicit ?? policyPathFor(options.platform, options.env);
  const blocked = (code: PolicyProblemCode, message: string): PolicyOutcome => ({
    mode: 'blocked',
    code,
    message,
    path: file,
  });
  if (explicit === '') return blocked('policy_missing', POLICY_MESSAGES.noPath);

  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return explicit === null
        ? { mode: 'normal' }
        : blocked('policy_missing', POLICY_MESSAGES.missing(file));
    }
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a folder, not a file'
          : (code ?? 'unknown error');
    return blocked('policy_unreadable', POLICY_MESSAGES.unreadable(file, why));
  }

  // Notepad saves UTF-8 with a byte-order mark, which JSON.parse refuses.
  const json = text.replace(/^\uFEFF/, '');
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    return blocked(
      'policy_malformed',
      POLICY_MESSAGES.malformed(file, describeJsonError(json, error)),
    );
  }

  const parsed = PolicyFile.safeParse(data);
  if (!parsed.success) {
    return blocked(
      'policy_invalid',
      POLICY_MESSAGES.invalid(file, describeIssues(parsed.error.issues)),
    );
  }

  if (parsed.data.kiosk) {
    const user = options.user === undefined ? currentUser() : options.user;
    if (user && options.platform !== 'win32') {
      try {
        if (writableBy(fs.statSync(file), user)) {
          return blocked('policy_writable', POLICY_MESSAGES.writable(file));
        }
      } catch (error) {
        return blocked(
          'policy_unreadable',
          POLICY_MESSAGES.unreadable(file, errnoOf(error) ?? 'unknown error'),
        );
      }
    }
    return { mode: 'kiosk', policy: parsed.data, path: file };
  }
  return { mode: 'managed', policy: parsed.data, path: file };
}
