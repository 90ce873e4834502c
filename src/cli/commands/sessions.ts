import type { Command } from 'commander';
import { MAX_SESSION_PAGE } from '../../reader/session-listing';
import type { LiveSession } from '../../reader/session-types';
import { integerUpTo } from '../option-parsers';
import type { Column } from '../table';
import { withReader } from '../with-reader';

interface SessionsOptions {
  instance?: string;
  user?: string;
  limit: number;
  cursor?: string;
  all?: boolean;
}

/** Widths come from the first page (and these least widths); see Output.rows. */
const COLUMNS: Column[] = [
  { key: 'id', label: 'session' },
  { key: 'instance', label: 'instance' },
  { key: 'userId', label: 'user', width: 8 },
  { key: 'clientAddress', label: 'address', width: 15 },
  { key: 'deviceType', label: 'device', width: 10 },
  { key: 'os', label: 'os', width: 10 },
  { key: 'client', label: 'browser/app', width: 14 },
  { key: 'connectedAt', label: 'connected at', width: 24 },
  { key: 'loginAt', label: 'login at', width: 24 },
];

/** `sau-cli sessions`: live sessions, a page at a time (or every page with --all). */
export function registerSessionsCommand(program: Command): Command {
  return program
    .command('sessions')
    .description('live sessions, paginated (never KEYS): one page, or all with --all')
    .option('--instance <id>', 'only the sessions of this instance id')
    .option('--user <id>', 'only the sessions this user is logged in on')
    .option(
      '--limit <n>',
      `sessions a page, 1 to ${MAX_SESSION_PAGE}`,
      integerUpTo(MAX_SESSION_PAGE),
      100,
    )
    .option('--cursor <cursor>', 'go on from where the previous page ended')
    .option('--all', 'follow the cursor to the last page')
    .action(async (options: SessionsOptions, command: Command) => {
      await withReader(command, async ({ reader, output }) => {
        const query = { instance: options.instance, user: options.user, limit: options.limit };
        const print = output.rows(COLUMNS);
        let shown = 0;
        const show = (sessions: LiveSession[]): void => {
          print.page(sessions.map(humanRow));
          shown += sessions.length;
        };
        if (!options.all) {
          const page = await reader.sessions({ ...query, cursor: options.cursor });
          if (output.json) output.document(page);
          else show(page.sessions);
          if (!output.json && shown === 0) output.text('(no live sessions)\n');
          if (page.cursor !== null) output.note(`next page: --cursor ${page.cursor}`);
          return;
        }
        const all: LiveSession[] = [];
        let cursor: string | undefined = options.cursor;
        // Until the last page, or until the reader of stdout goes away (`| head`).
        do {
          const page = await reader.sessions({ ...query, cursor });
          if (output.json) all.push(...page.sessions);
          else show(page.sessions);
          cursor = page.cursor ?? undefined;
        } while (cursor !== undefined && !output.stdoutGone.aborted);
        if (output.json) output.document({ sessions: all, cursor: null });
        else if (shown === 0) output.text('(no live sessions)\n');
      });
    });
}

function humanRow(s: LiveSession): Record<string, unknown> {
  return {
    ...s,
    os: [s.osName, s.osVersion].filter(Boolean).join(' ') || '-',
    client: [s.clientName, s.clientVersion].filter(Boolean).join(' ') || '-',
    clientAddress: s.clientAddress || '-',
    deviceType: s.deviceType || '-',
  };
}
