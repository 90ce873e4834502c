import { RejectedEventError, type RejectionReason } from '../errors/rejected-event-error';
import type { SessionOp } from './batch-builder';
import type { ClientMetaEncoder } from './client-meta';
import type { DrainLoop } from './drain-loop';
import { encodeLogin } from './login-argument';
import type { MonitorContext } from './monitor-context';
import type { LoginRecovery } from './recovery';
import { idProblem, type SessionInfo } from './session-input';

/** The events the host's calls queue, and the call each comes from, as a rejection names it. */
type HostOp = Extract<SessionOp, 'o' | 'i' | 'u' | 'c'>;
const CALL_OF: Record<HostOp, string> = { o: 'open', i: 'login', u: 'logout', c: 'close' };

/**
 * The host's calls on its sessions: checked, applied to this process's own truth of its sessions,
 * and queued for the drain loop. Synchronous and never throwing: a call that cannot be taken is
 * reported (RejectedEventError) and changes nothing.
 */
export class EventIntake {
  constructor(
    private readonly ctx: MonitorContext,
    private readonly meta: ClientMetaEncoder,
    private readonly drainLoop: DrainLoop,
    private readonly recovery: LoginRecovery,
  ) {}

  open(info: SessionInfo): void {
    const id = typeof info === 'object' && info !== null ? info.id : undefined;
    if (!this.accepting('open', id)) return;
    const problem = idProblem(id);
    if (problem) return this.reject('INVALID_SESSION_ID', 'open', id, `session id ${problem}`);
    const sessionId = id as string;
    if (this.ctx.sessions.has(sessionId)) return;
    const meta = this.meta.encode(info);
    this.ctx.sessions.open(sessionId, meta);
    this.enqueue('o', sessionId, meta);
  }

  login(sessionId: string, userId: string): void {
    if (!this.accepting('login', sessionId)) return;
    const problem = idProblem(sessionId);
    if (problem) {
      return this.reject('INVALID_SESSION_ID', 'login', sessionId, `session id ${problem}`);
    }
    const userProblem = idProblem(userId);
    if (userProblem) {
      return this.reject('INVALID_USER_ID', 'login', sessionId, `user id ${userProblem}`);
    }
    if (!this.ctx.sessions.has(sessionId)) {
      return this.reject('UNKNOWN_SESSION', 'login', sessionId, 'no open session with this id');
    }
    const loginSec = this.ctx.sessions.login(sessionId, userId);
    const seq = this.ctx.queue.headSeq + this.ctx.queue.size;
    if (this.enqueue('i', sessionId, encodeLogin(userId, loginSec))) {
      // Kept until Redis has it, to be replayed into its own day after a failover.
      this.recovery.remember(userId, seq);
    }
  }

  logout(sessionId: string): void {
    if (!this.accepting('logout', sessionId)) return;
    if (!this.ctx.sessions.userOf(sessionId)) return;
    this.ctx.sessions.logout(sessionId);
    this.enqueue('u', sessionId);
  }

  close(sessionId: string): void {
    if (!this.accepting('close', sessionId)) return;
    if (!this.ctx.sessions.close(sessionId)) return;
    this.enqueue('c', sessionId);
  }

  private accepting(operation: string, sessionId: unknown): boolean {
    if (this.ctx.state === 'stopping' || this.ctx.state === 'stopped') {
      this.reject('STOPPED', operation, sessionId, 'the monitor is stopped');
      return false;
    }
    return true;
  }

  private enqueue(op: HostOp, sessionId: string, arg?: string): boolean {
    if (!this.ctx.queue.push(op, sessionId, arg)) {
      this.ctx.droppedEvents++;
      const limit = `${this.ctx.options.maxQueuedEvents} events already wait for Redis`;
      this.reject('QUEUE_OVERFLOW', CALL_OF[op], sessionId, limit);
      return false;
    }
    this.drainLoop.schedule();
    return true;
  }

  private reject(
    reason: RejectionReason,
    operation: string,
    sessionId: unknown,
    detail: string,
  ): void {
    this.ctx.report(new RejectedEventError(reason, operation, sessionId, detail));
  }
}
