/**
 * sau-monitor: simultaneous, daily and monthly active users of real-time servers, kept atomically
 * in Redis by Lua scripts.
 */
export { SessionMonitor, type Recovery } from './monitor/session-monitor';
export { SauReaper, type SauReaperOptions } from './monitor/sau-reaper';
export type { SessionMonitorOptions } from './monitor/monitor-options';
export type { SessionInfo } from './monitor/session-input';
export { SauReader, type SauReaderOptions } from './reader/sau-reader';
export { STATS_WINDOWS } from './reader/stats-types';
export { GAUGE_FIELDS, type Gauges, type GaugeField } from './reader/gauges';
export {
  registerSauMetrics,
  DEFAULT_METRICS_TIMEOUT_MS,
  type SauMetricsOptions,
  type SauMetricsTarget,
  type SauMetricsRegistration,
} from './metrics/register-sau-metrics';
export { SAU_METRICS, type SauMetricDefinition } from './metrics/sau-metric-definitions';
export type { SauScrape, MetricsLogger, UnreadablePolicy } from './metrics/sau-metrics-collector';
export {
  startMetricsHttpServer,
  type MetricsHttpServer,
  type MetricsHttpServerOptions,
} from './metrics/metrics-http-server';
export type {
  Stats,
  StatsWindow,
  NowStats,
  DayStats,
  WeekStats,
  MonthStats,
} from './reader/stats-types';
export type { ReapReport, ReapProgress, DeadIncarnation } from './monitor/reaper';
export { Keys } from './keys';
export type { RedisInput, RedisClient } from './redis/redis-client';
export * from './errors';
export {
  attachToMeteor,
  type MeteorDetach,
  type MeteorReconcileReport,
  type MeteorAdapterOptions,
  type MeteorLike,
  type AccountsLike,
  type MeteorConnection,
  type MeteorLoginInfo,
  type MeteorLogoutInfo,
  type MeteorServerSession,
  type MeteorHookHandle,
  type MeteorUser,
} from './adapters/meteor';
export {
  attachToWebSocketServer,
  type WebSocketAdapterOptions,
  type WebSocketLike,
  type WebSocketServerLike,
} from './adapters/ws';
export {
  attachToSocketIo,
  type SocketIoAdapterOptions,
  type SocketIoSocketLike,
  type SocketIoServerLike,
} from './adapters/socket-io';
export {
  attachToRocketChat,
  type RocketChatAdapter,
  type RocketChatAdapterOptions,
  type RemoteInstanceView,
} from './adapters/rocket-chat/rocket-chat';
export type { SauEventsLike } from './adapters/rocket-chat/rocket-chat-events';
export type { SocketSessionHandle, UserIdLookup } from './adapters/socket-sessions';
export type { AdapterErrorCode } from './adapters/report-adapter-error';
export { UserAgentClassifier, type UserAgentClassifierOptions } from './ua/user-agent-classifier';
export { UNKNOWN_CLIENT, type ClientInfo, type DeviceType } from './ua/client-info';
export { ADDRESS_MODES, type AddressMode } from './privacy/address-mode';
export {
  encodeSessionMeta,
  encodeRestore,
  decodeSessionMeta,
  EMPTY_SESSION_META,
  type SessionMeta,
} from './session/session-meta';
export { BREAKDOWN_DIMENSIONS, BREAKDOWN_WINDOWS } from './reader/breakdown-types';
export type {
  Breakdown,
  BreakdownOf,
  BreakdownQuery,
  BreakdownWindow,
  BreakdownDimension,
  LiveBreakdown,
  DayBreakdown,
  MonthBreakdown,
  MonthBreakdownRow,
  LiveBreakdownRow,
  PeriodBreakdownRow,
} from './reader/breakdown-types';
export type { SessionQuery, SessionPage, LiveSession } from './reader/session-types';
export type { ClosedSession, ClosedSessionQuery } from './reader/closed-sessions';
export { runDoctor, type DoctorReport, type DoctorCheck } from './diagnostics/doctor';
export { MAX_HISTORY_DAYS, type History, type HistoryQuery } from './reader/history';
export type { Instances, InstanceInfo, InstanceState } from './reader/instances';
export { namespaceProblems, type NamespaceCheck } from './reader/namespace-check';
export { importRocketChatSessions, type ImportOptions } from './import/import-sessions';
export type { ImportReport, ImportProgress, BadLine } from './import/import-report';
