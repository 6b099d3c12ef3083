import type { Clock } from '../clock.js';
import type { EventBus } from '../events.js';
import { randomToken } from './random.js';

/** The launch context a code, grant and token carry (SMART App Launch "launch context"). */
export interface LaunchContext {
  readonly patient?: string;
  readonly encounter?: string;
  readonly fhirUser?: string;
  readonly fhirContext?: readonly Record<string, unknown>[];
  readonly intent?: string;
  readonly needPatientBanner?: boolean;
  readonly smartStyleUrl?: string;
  readonly tenant?: string;
}

export interface CodeRecord {
  readonly code: string;
  readonly clientId: string;
  /** The redirect_uri sent to /authorize, or undefined when it was omitted (RFC 6749 §4.1.3). */
  readonly redirectUri: string | undefined;
  /** Where the code was delivered: the sent redirect_uri or the client's only registered one. */
  readonly deliveredTo: string;
  readonly codeChallenge: string | undefined;
  readonly scope: readonly string[];
  readonly nonce: string | undefined;
  readonly sub: string;
  readonly authTime: number;
  readonly context: LaunchContext;
  readonly issuedAt: number;
  /** Mutable only so an admin "expire now" can move it to the present. */
  expiresAt: number;
  consumedAt: number | undefined;
  /**
   * Why a redemption that consumed the code failed (a PKCE or redirect_uri check), so a retry is told the
   * code was burned by that check rather than used (RFC 6749 §4.1.2: single use, failed or not).
   */
  burnedBy: string | undefined;
  grantId: string | undefined;
  /** Set when an admin revoked the code: it is refused as unknown, and the grants view shows it revoked. */
  revokedAt?: number | undefined;
}

export interface GrantRecord {
  readonly id: string;
  readonly clientId: string;
  readonly sub: string;
  readonly scope: readonly string[];
  readonly authTime: number;
  readonly context: LaunchContext;
  readonly createdAt: number;
  readonly fromCode: string | undefined;
  readonly accessTokens: Map<string, number>;
  readonly refreshTokens: Set<string>;
  revokedAt: number | undefined;
  revokeReason: string | undefined;
  /** When the last token of the grant expires; the grant is pruned after that. */
  expiresAt: number;
}

export type RefreshState = 'active' | 'rotated' | 'revoked';

export interface RefreshRecord {
  readonly token: string;
  readonly grantId: string;
  readonly clientId: string;
  /** The scope of the grant: a refresh can narrow the access token's scope, never this. */
  readonly scope: readonly string[];
  readonly issuedAt: number;
  /** Mutable only so an admin "expire now" can move it to the present. */
  expiresAt: number;
  state: RefreshState;
  rotatedAt: number | undefined;
  replacedBy: string | undefined;
}

export type CodeTake =
  | { readonly status: 'ok'; readonly record: CodeRecord }
  | { readonly status: 'unknown' }
  | { readonly status: 'expired'; readonly record: CodeRecord }
  | { readonly status: 'consumed'; readonly record: CodeRecord; readonly revokedGrant: string | undefined };

export type RefreshLookup =
  | { readonly status: 'ok'; readonly record: RefreshRecord; readonly grant: GrantRecord }
  | { readonly status: 'unknown' }
  | { readonly status: 'wrong_client'; readonly record: RefreshRecord }
  | { readonly status: 'expired'; readonly record: RefreshRecord }
  | { readonly status: 'revoked'; readonly record: RefreshRecord; readonly grant: GrantRecord | undefined }
  | { readonly status: 'rotated'; readonly record: RefreshRecord; readonly grant: GrantRecord };

export type ArtefactKind = 'code' | 'access_token' | 'refresh_token' | 'id_token';
export type ArtefactState = 'active' | 'consumed' | 'expired' | 'revoked';

/**
 * An issued artefact as its issue event named it. A code or refresh token is found by its value; an access or
 * id token is a self-contained JWT the store never keeps, so its reference carries what the token says
 * (`jti`, client, grant, `exp`).
 */
export type ArtefactRef =
  | { readonly kind: 'code' | 'refresh_token'; readonly value: string }
  | {
      readonly kind: 'access_token' | 'id_token';
      /** The token's `jti`. */
      readonly value: string;
      readonly clientId: string;
      readonly grantId: string | undefined;
      readonly expiresAt: number;
    };

/**
 * What an artefact is now. `expiresAt` and `grantId` are absent when the store no longer remembers the code
 * or refresh token (forgotten after it expired, see `prune`).
 */
export interface ArtefactStatus {
  readonly state: ArtefactState;
  /**
   * When the state began, where the store knows it: the grant's or code's revocation, the code's redemption,
   * the refresh token's rotation, the expiry. Absent for an access token revoked alone (the deny-list keeps
   * only its `exp`) and for an artefact the store forgot.
   */
  readonly since?: number;
  /** Why its grant was revoked (`authorization code replayed`, …), when it was. */
  readonly reason?: string;
  readonly expiresAt?: number;
  readonly grantId?: string | undefined;
}

/** An artefact the store holds, as listed for the grants view after a restart. */
export interface HeldArtefact {
  readonly kind: 'code' | 'access_token' | 'refresh_token';
  readonly value: string;
  readonly clientId: string;
  readonly grantId: string | undefined;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** A grant as plain data: its token collections as lists, so it survives JSON. */
export type GrantSnapshot = Omit<GrantRecord, 'accessTokens' | 'refreshTokens'> & {
  readonly accessTokens: [string, number][];
  readonly refreshTokens: string[];
};

/**
 * Everything the store holds, as plain data (copies, never the live records): what an app under test may still
 * hold, so its tokens stay valid across a restart (docs/cli.md#data-folder).
 */
export interface ArtefactSnapshot {
  readonly codes: CodeRecord[];
  readonly grants: GrantSnapshot[];
  readonly refreshTokens: RefreshRecord[];
  readonly revokedAccessTokens: [string, number][];
  readonly expiredAccessTokens: [string, number][];
}

/** How long a consumed or expired code is remembered, so a replay is recognised and answered by revocation. */
const CODE_MEMORY_MS = 10 * 60_000;

/**
 * Issued codes, grants and refresh tokens with the lifecycles the specs demand. Every check-and-change is
 * synchronous, so two concurrent requests can never both win (a code redeemed twice, a refresh token rotated
 * twice). Access tokens are self-contained JWTs: only revoked ones are remembered (a deny-list pruned at
 * their `exp`), so memory stays flat however many tokens are issued.
 */
export class ArtefactStore {
  // The maps are the store's own. The state file takes a `snapshot` and gives it back through `restore`;
  // everyone else asks `stateOf`, `lookupRefreshToken`, `held` and acts through `revoke`, `expire`, `takeCode`.
  private readonly codes = new Map<string, CodeRecord>();
  private readonly grants = new Map<string, GrantRecord>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  /** jti → exp (ms) of revoked access tokens. */
  private readonly revokedAccessTokens = new Map<string, number>();
  /** jti → exp (ms) of access tokens an admin expired early; they are refused as expired until their exp. */
  private readonly expiredAccessTokens = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly events: EventBus,
    /** How many codes are remembered at most (`limits.liveCodes`). */
    private readonly maxCodes: () => number = () => Number.POSITIVE_INFINITY,
  ) {}

  issueCode(
    fields: Omit<CodeRecord, 'code' | 'issuedAt' | 'consumedAt' | 'burnedBy' | 'grantId'>,
  ): CodeRecord {
    // A flood of authorization requests must not grow memory and the state file without bound: past the
    // limit the oldest code is forgotten (Map order is issue order); redeeming it then answers invalid_grant.
    const max = this.maxCodes();
    for (const oldest of this.codes.keys()) {
      if (this.codes.size < max) break;
      this.codes.delete(oldest);
    }
    const record: CodeRecord = {
      ...fields,
      code: randomToken(),
      issuedAt: this.clock.now(),
      consumedAt: undefined,
      burnedBy: undefined,
      grantId: undefined,
    };
    this.codes.set(record.code, record);
    this.events.emit('code.issued', {
      code: record.code,
      clientId: record.clientId,
      expiresAt: record.expiresAt,
    });
    return record;
  }

  /**
   * Checks and consumes a code in one synchronous step (RFC 6749 §4.1.2: single use). Any attempt burns it;
   * a second use revokes every token already issued from it.
   */
  takeCode(code: string): CodeTake {
    const record = this.codes.get(code);
    // A revoked code is refused as one this server does not know, as before it was kept for the grants view.
    if (!record || record.revokedAt !== undefined) return { status: 'unknown' };
    const now = this.clock.now();
    if (record.consumedAt !== undefined) {
      const revokedGrant = record.grantId;
      if (revokedGrant !== undefined) this.revokeGrant(revokedGrant, 'authorization code replayed');
      return { status: 'consumed', record, revokedGrant };
    }
    record.consumedAt = now;
    if (now >= record.expiresAt) {
      record.burnedBy = 'the code had expired';
      return { status: 'expired', record };
    }
    return { status: 'ok', record };
  }

  createGrant(
    fields: Pick<GrantRecord, 'clientId' | 'sub' | 'scope' | 'authTime' | 'context' | 'fromCode'>,
  ): GrantRecord {
    const grant: GrantRecord = {
      ...fields,
      id: randomToken(12),
      createdAt: this.clock.now(),
      accessTokens: new Map(),
      refreshTokens: new Set(),
      revokedAt: undefined,
      revokeReason: undefined,
      expiresAt: this.clock.now(),
    };
    this.grants.set(grant.id, grant);
    if (fields.fromCode !== undefined) {
      const code = this.codes.get(fields.fromCode);
      if (code) {
        code.grantId = grant.id;
        this.events.emit('code.consumed', { code: code.code, clientId: code.clientId, grantId: grant.id });
      }
    }
    return grant;
  }

  recordAccessToken(grant: GrantRecord | undefined, jti: string, clientId: string, expiresAt: number): void {
    if (grant) {
      grant.accessTokens.set(jti, expiresAt);
      grant.expiresAt = Math.max(grant.expiresAt, expiresAt);
      // A replay may revoke the grant while this token was being signed: it is born revoked.
      if (grant.revokedAt !== undefined) this.revokedAccessTokens.set(jti, expiresAt);
    }
    this.events.emit('token.issued', {
      kind: 'access_token',
      clientId,
      grantId: grant?.id,
      id: jti,
      expiresAt,
    });
  }

  issueRefreshToken(grant: GrantRecord, lifetimeMs: number): RefreshRecord {
    const now = this.clock.now();
    const record: RefreshRecord = {
      token: randomToken(),
      grantId: grant.id,
      clientId: grant.clientId,
      scope: grant.scope,
      issuedAt: now,
      expiresAt: now + lifetimeMs,
      state: grant.revokedAt === undefined ? 'active' : 'revoked',
      rotatedAt: undefined,
      replacedBy: undefined,
    };
    this.refreshTokens.set(record.token, record);
    grant.refreshTokens.add(record.token);
    grant.expiresAt = Math.max(grant.expiresAt, record.expiresAt);
    this.events.emit('token.issued', {
      kind: 'refresh_token',
      clientId: grant.clientId,
      grantId: grant.id,
      id: record.token,
      expiresAt: record.expiresAt,
    });
    return record;
  }

  /**
   * Looks a refresh token up without changing it: for `clientId` when given (the token endpoint), for anyone
   * otherwise (introspection and revocation, which check the client themselves).
   */
  lookupRefreshToken(token: string, clientId?: string): RefreshLookup {
    const record = this.refreshTokens.get(token);
    if (!record) return { status: 'unknown' };
    if (clientId !== undefined && record.clientId !== clientId) return { status: 'wrong_client', record };
    const grant = this.grants.get(record.grantId);
    if (record.state === 'revoked' || !grant || grant.revokedAt !== undefined) {
      return { status: 'revoked', record, grant };
    }
    if (this.clock.now() >= record.expiresAt) return { status: 'expired', record };
    if (record.state === 'rotated') return { status: 'rotated', record, grant };
    return { status: 'ok', record, grant };
  }

  /** Marks a refresh token used and issues its successor (RFC 9700 §4.14.2 rotation). */
  rotateRefreshToken(record: RefreshRecord, grant: GrantRecord, lifetimeMs: number): RefreshRecord {
    const next = this.issueRefreshToken(grant, lifetimeMs);
    record.state = 'rotated';
    record.rotatedAt = this.clock.now();
    record.replacedBy = next.token;
    this.events.emit('refresh.rotated', {
      grantId: grant.id,
      clientId: grant.clientId,
      from: record.token,
      to: next.token,
    });
    return next;
  }

  /** Revokes a grant: its refresh tokens stop working and its access tokens introspect as inactive. */
  revokeGrant(grantId: string, reason: string): void {
    const grant = this.grants.get(grantId);
    if (!grant || grant.revokedAt !== undefined) return;
    grant.revokedAt = this.clock.now();
    grant.revokeReason = reason;
    for (const token of grant.refreshTokens) {
      const rt = this.refreshTokens.get(token);
      if (rt) rt.state = 'revoked';
    }
    for (const [jti, exp] of grant.accessTokens) this.revokedAccessTokens.set(jti, exp);
    this.events.emit('grant.revoked', { grantId, clientId: grant.clientId, reason });
  }

  /** The grant an access token was issued under, by its `jti`, while the store remembers the grant. */
  grantIdOfAccessToken(jti: string): string | undefined {
    for (const grant of this.grants.values()) if (grant.accessTokens.has(jti)) return grant.id;
    return undefined;
  }

  isAccessTokenRevoked(jti: string): boolean {
    return this.revokedAccessTokens.has(jti);
  }

  isAccessTokenExpiredEarly(jti: string): boolean {
    return this.expiredAccessTokens.has(jti);
  }

  /**
   * The state of an issued artefact now, as the token endpoint, introspection and the FHIR base see it: a
   * code is consumed once redeemed (RFC 6749 §4.1.2), a rotated refresh token consumed (RFC 9700 §4.14.2),
   * anything of a revoked grant revoked, and an admin "expire now" counts as expiry.
   */
  stateOf(ref: ArtefactRef): ArtefactStatus {
    const now = this.clock.now();
    switch (ref.kind) {
      case 'code': {
        const record = this.codes.get(ref.value);
        if (!record) return { state: 'expired' };
        const state: ArtefactState =
          record.revokedAt !== undefined
            ? 'revoked'
            : record.consumedAt !== undefined
              ? 'consumed'
              : now >= record.expiresAt
                ? 'expired'
                : 'active';
        const grant = record.grantId === undefined ? undefined : this.grants.get(record.grantId);
        return statusWithMoment(
          state,
          record,
          { revoked: record.revokedAt, consumed: record.consumedAt },
          grant?.revokeReason,
        );
      }
      case 'refresh_token': {
        const record = this.refreshTokens.get(ref.value);
        if (!record) return { state: 'expired' };
        const found = this.lookupRefreshToken(ref.value);
        const state: ArtefactState =
          found.status === 'revoked'
            ? 'revoked'
            : found.status === 'expired'
              ? 'expired'
              : found.status === 'rotated'
                ? 'consumed'
                : 'active';
        const grant = found.status === 'revoked' ? found.grant : undefined;
        return statusWithMoment(
          state,
          record,
          { revoked: grant?.revokedAt, consumed: record.rotatedAt },
          grant?.revokeReason,
        );
      }
      case 'access_token':
      case 'id_token': {
        const grant = ref.grantId === undefined ? undefined : this.grants.get(ref.grantId);
        const access = ref.kind === 'access_token';
        const state: ArtefactState =
          (access && this.isAccessTokenRevoked(ref.value)) || grant?.revokedAt !== undefined
            ? 'revoked'
            : (access && this.isAccessTokenExpiredEarly(ref.value)) || now >= ref.expiresAt
              ? 'expired'
              : 'active';
        const revokedWithGrant = state === 'revoked' ? grant?.revokedAt : undefined;
        // An admin "expire now" is remembered without its moment: only a passed `exp` gives one.
        const since =
          revokedWithGrant ?? (state === 'expired' && now >= ref.expiresAt ? ref.expiresAt : undefined);
        return {
          state,
          expiresAt: ref.expiresAt,
          grantId: ref.grantId,
          ...(since === undefined ? {} : { since }),
          ...(revokedWithGrant === undefined || grant?.revokeReason === undefined
            ? {}
            : { reason: grant.revokeReason }),
        };
      }
    }
  }

  /**
   * Revokes an artefact and what came from it (RFC 7009 §2.1): a code takes its grant along, a refresh token
   * its whole grant, an access token goes on the deny-list. An id_token is a signed statement the client
   * checks itself (OpenID Connect Core §3.1.3.7): the server cannot take it back, so callers refuse it first.
   */
  revoke(ref: ArtefactRef, reason: string): void {
    switch (ref.kind) {
      case 'code': {
        const record = this.codes.get(ref.value);
        if (!record || record.revokedAt !== undefined) return;
        record.revokedAt = this.clock.now();
        if (record.grantId !== undefined) this.revokeGrant(record.grantId, reason);
        this.events.emit('token.revoked', { id: record.code, clientId: record.clientId, kind: 'code' });
        return;
      }
      case 'refresh_token': {
        const record = this.refreshTokens.get(ref.value);
        if (record) this.revokeGrant(record.grantId, reason);
        return;
      }
      case 'access_token':
        this.revokedAccessTokens.set(ref.value, ref.expiresAt);
        this.events.emit('token.revoked', { id: ref.value, clientId: ref.clientId, kind: 'access_token' });
        return;
      case 'id_token':
        throw new Error('an id_token cannot be revoked by the server; revoke its grant instead');
    }
  }

  /**
   * "Expire now": the artefact is refused as expired from this moment (RFC 6749 §4.1.2 for a code). A
   * self-contained access token cannot change, so the server remembers it until its `exp`; an id_token
   * carries its own `exp` and cannot be expired early, so callers refuse it first.
   */
  expire(ref: ArtefactRef): void {
    const now = this.clock.now();
    switch (ref.kind) {
      case 'code': {
        const record = this.codes.get(ref.value);
        if (!record) return;
        record.expiresAt = Math.min(record.expiresAt, now);
        this.events.emit('token.expired', { id: record.code, clientId: record.clientId, kind: 'code' });
        return;
      }
      case 'refresh_token': {
        const record = this.refreshTokens.get(ref.value);
        if (!record) return;
        record.expiresAt = Math.min(record.expiresAt, now);
        this.events.emit('token.expired', {
          id: record.token,
          clientId: record.clientId,
          kind: 'refresh_token',
        });
        return;
      }
      case 'access_token':
        this.expiredAccessTokens.set(ref.value, ref.expiresAt);
        this.events.emit('token.expired', { id: ref.value, clientId: ref.clientId, kind: 'access_token' });
        return;
      case 'id_token':
        throw new Error('an id_token carries its own exp; the server cannot expire it early');
    }
  }

  /**
   * What the store holds, oldest first: codes, refresh tokens and the access tokens of grants (tokens of
   * client_credentials and id tokens live only in the clients' hands). For listing after a restart.
   */
  held(): HeldArtefact[] {
    const out: HeldArtefact[] = [];
    for (const c of this.codes.values()) {
      out.push({
        kind: 'code',
        value: c.code,
        clientId: c.clientId,
        grantId: undefined,
        issuedAt: c.issuedAt,
        expiresAt: c.expiresAt,
      });
    }
    for (const g of this.grants.values()) {
      for (const [jti, exp] of g.accessTokens) {
        out.push({
          kind: 'access_token',
          value: jti,
          clientId: g.clientId,
          grantId: g.id,
          issuedAt: g.createdAt,
          expiresAt: exp,
        });
      }
    }
    for (const r of this.refreshTokens.values()) {
      out.push({
        kind: 'refresh_token',
        value: r.token,
        clientId: r.clientId,
        grantId: r.grantId,
        issuedAt: r.issuedAt,
        expiresAt: r.expiresAt,
      });
    }
    return out;
  }

  /** Copies out everything the store holds; `restore` takes it back. */
  snapshot(): ArtefactSnapshot {
    return {
      codes: [...this.codes.values()].map((c) => ({ ...c })),
      grants: [...this.grants.values()].map((g) => ({
        ...g,
        accessTokens: [...g.accessTokens],
        refreshTokens: [...g.refreshTokens],
      })),
      refreshTokens: [...this.refreshTokens.values()].map((r) => ({ ...r })),
      revokedAccessTokens: [...this.revokedAccessTokens],
      expiredAccessTokens: [...this.expiredAccessTokens],
    };
  }

  /** Takes back what `snapshot` copied out (a state file read at start), beside anything already held. */
  restore(snapshot: ArtefactSnapshot): void {
    for (const code of snapshot.codes) this.codes.set(code.code, { ...code });
    for (const g of snapshot.grants) {
      this.grants.set(g.id, {
        ...g,
        accessTokens: new Map(g.accessTokens),
        refreshTokens: new Set(g.refreshTokens),
      });
    }
    for (const rt of snapshot.refreshTokens) this.refreshTokens.set(rt.token, { ...rt });
    for (const [jti, exp] of snapshot.revokedAccessTokens) this.revokedAccessTokens.set(jti, exp);
    for (const [jti, exp] of snapshot.expiredAccessTokens) this.expiredAccessTokens.set(jti, exp);
  }

  /**
   * Forgets what can no longer matter: expired codes, dead grants, deny-list entries past their exp.
   * Returns how many artefacts were forgotten, so the caller can write the state file without them.
   */
  prune(): number {
    const now = this.clock.now();
    let removed = 0;
    const drop = <K, V>(map: Map<K, V>, key: K) => {
      map.delete(key);
      removed += 1;
    };
    for (const [code, record] of this.codes) {
      if (now > record.expiresAt + CODE_MEMORY_MS) drop(this.codes, code);
    }
    for (const [jti, exp] of this.revokedAccessTokens) if (now > exp) drop(this.revokedAccessTokens, jti);
    for (const [jti, exp] of this.expiredAccessTokens) if (now > exp) drop(this.expiredAccessTokens, jti);
    for (const [token, record] of this.refreshTokens)
      if (now > record.expiresAt) drop(this.refreshTokens, token);
    for (const [id, grant] of this.grants) {
      if (now > grant.expiresAt && now > grant.createdAt + CODE_MEMORY_MS) drop(this.grants, id);
    }
    return removed;
  }
}

/**
 * A code's or refresh token's status with the moment its state began (revoked, consumed, or its expiry) and, when
 * revoked, why its grant was.
 */
function statusWithMoment(
  state: ArtefactState,
  record: { readonly expiresAt: number; readonly grantId?: string | undefined },
  moments: { readonly revoked: number | undefined; readonly consumed: number | undefined },
  revokeReason: string | undefined,
): ArtefactStatus {
  const since =
    state === 'revoked'
      ? moments.revoked
      : state === 'consumed'
        ? moments.consumed
        : state === 'expired'
          ? record.expiresAt
          : undefined;
  return {
    state,
    expiresAt: record.expiresAt,
    grantId: record.grantId,
    ...(since === undefined ? {} : { since }),
    ...(state === 'revoked' && revokeReason !== undefined ? { reason: revokeReason } : {}),
  };
}
