export { SauError } from './sau-error';
export { ConfigError } from './config-error';
export { InvalidArgumentError } from './invalid-argument-error';
export { RejectedEventError, type RejectionReason } from './rejected-event-error';
export { RedisScriptError } from './redis-script-error';
export { ImportLineError } from './import-line-error';
