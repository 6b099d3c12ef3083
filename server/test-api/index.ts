/**
 * The package's main export (`import { startSandbox } from 'token-sandbox'`): a sandbox started from a test
 * suite, in process, with the server the `serve` command runs. README "Use it from your tests".
 */
export {
  generateSigningKeys,
  IssuerHandle,
  RunningSandbox,
  SandboxApiError,
  startSandbox,
  type SandboxHandleUrls,
  type StartSandboxOptions,
  type WaitOptions,
} from './start-sandbox.js';
export type { DirectIssueRequest } from '../grants/direct-issue.js';
export type { TokenResponse } from '../grants/grant.js';
export type { ClientConfig, FailureArm, IssuerConfig, SandboxConfig } from '../config/schema.js';
export type {
  ArmedFailure,
  ClockView,
  KeyRotation,
  KeyView,
  LaunchRequest,
  LaunchResult,
  QueueClaimsRequest,
  QueuedClaimsView,
} from '../admin/shapes.js';
export type { Exchange } from '../exchanges/exchange.js';
export type { FailureId } from '../failures/ids.js';
export type { StoredKeys } from '../keys/key-ring.js';
