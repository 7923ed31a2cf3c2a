import { NeuralTraderError, ValidationError } from '../core/errors.js';
import { parseIdentifier } from '../core/inputs.js';
import type { EpochMs } from '../core/time.js';
import { CASH, credit, debit, MEMBER_ACCOUNT_KINDS, memberAccount } from './accounts.js';
import { fmt, type OpContext } from './context.js';
import { parseRole, roleAllows } from './permissions.js';
import type { LedgerStore, MemberRow } from './store.js';
import type { MemberStatus, Role } from './types.js';
import { type MemberView, memberView } from './views.js';
import { parseJurisdiction } from './withholding.js';

/** A member as callers describe one. */
export interface MemberInput {
  id: string;
  /** Display name (default: the id). */
  name?: string;
  /** Default contributing_member. */
  role?: string;
  /** Tax jurisdiction code for withholding (default NONE). */
  jurisdiction?: string;
}

export interface NewMember {
  id: string;
  name: string;
  role: Role;
  jurisdiction: string;
}

export function parseMemberInput(input: MemberInput, field = 'member'): NewMember {
  if (!input || typeof input !== 'object') {
    throw new ValidationError(`${field}: a member needs at least an id`, { field });
  }
  const id = parseIdentifier(input.id, `${field}.id`);
  const name = input.name === undefined ? id : String(input.name).trim();
  if (name.length === 0 || name.length > 100) {
    throw new ValidationError(`${field}.name: must be 1 to 100 characters`, { field: `${field}.name` });
  }
  return {
    id,
    name,
    role: input.role === undefined ? 'contributing_member' : parseRole(input.role, `${field}.role`),
    jurisdiction:
      input.jurisdiction === undefined
        ? 'NONE'
        : parseJurisdiction(input.jurisdiction, `${field}.jurisdiction`),
  };
}

/** Insert a member and open their three accounts. */
export function insertMember(store: LedgerStore, syndicateId: string, m: NewMember, at: EpochMs): MemberRow {
  if (store.memberRow(syndicateId, m.id)) {
    throw new ValidationError(`member: "${m.id}" is already a member of "${syndicateId}"`, {
      field: 'member.id',
      hint: 'choose another id; nothing was written',
    });
  }
  const joinSeq = store.nextId(syndicateId, 'member');
  store
    .stmt(
      `INSERT INTO members (syndicate_id, id, name, role, status, jurisdiction, join_seq, joined_at)
       VALUES (?, ?, ?, ?, 'active', ?, ?, ?)`,
    )
    .run(syndicateId, m.id, m.name, m.role, m.jurisdiction, joinSeq, at);
  for (const kind of MEMBER_ACCOUNT_KINDS)
    store.openAccount(syndicateId, memberAccount(m.id, kind), m.id, kind, at);
  return store.member(syndicateId, m.id);
}

/** Book a deposit of `amount` into `member`'s capital. */
export function bookDeposit(ctx: OpContext, member: MemberRow, amount: number): void {
  ctx.post.transfer('deposit', [debit(CASH, amount), credit(memberAccount(member.id, 'capital'), amount)]);
  if (member.first_deposit_at === null) {
    ctx.store
      .stmt('UPDATE members SET first_deposit_at = ? WHERE syndicate_id = ? AND id = ?')
      .run(ctx.at, ctx.syndicate.id, member.id);
    ctx.store.forgetMember(ctx.syndicate.id, member.id);
  }
}

const RANK: Readonly<Record<Role, number>> = {
  lead: 4,
  senior_analyst: 3,
  junior_analyst: 2,
  contributing_member: 1,
  observer: 0,
};

export interface AddMemberResult {
  member: MemberView;
  /** The initial contribution booked as the new member's first deposit, if any. */
  initialContribution: string | null;
}

/** Add a member (a senior analyst may add roles below their own; a lead may add any role). */
export function addMember(ctx: OpContext, m: NewMember, initialContribution: number | null): AddMemberResult {
  if (ctx.actor.role !== 'lead' && RANK[m.role] >= RANK[ctx.actor.role]) {
    throw new NeuralTraderError(
      'AUTH',
      `member "${ctx.actor.id}" (${ctx.actor.role}) may not add a ${m.role}`,
      {
        field: 'member.role',
        hint: 'only a lead may add members at or above their own role; nothing was written',
      },
    );
  }
  const row = insertMember(ctx.store, ctx.syndicate.id, m, ctx.at);
  if (initialContribution !== null) {
    if (!roleAllows(m.role, 'deposit')) {
      throw new ValidationError(`initialContribution: a ${m.role} does not hold capital`, {
        field: 'initialContribution',
        hint: 'observers read the books only; give them another role to contribute',
      });
    }
    bookDeposit(ctx, row, initialContribution);
  }
  const view = memberView(ctx.syndicate, ctx.store.member(ctx.syndicate.id, m.id), {
    capital: initialContribution ?? 0,
    profit: 0,
    pending: 0,
  });
  return {
    member: view,
    initialContribution: initialContribution === null ? null : fmt(ctx, initialContribution),
  };
}

function activeLeads(ctx: OpContext): MemberRow[] {
  return ctx.store.members(ctx.syndicate.id).filter((m) => m.role === 'lead' && m.status === 'active');
}

function target(ctx: OpContext, memberId: string): MemberRow {
  const row = ctx.store.member(ctx.syndicate.id, memberId);
  if (row.status === 'removed') {
    throw new ValidationError(`member: "${memberId}" was removed from the syndicate`, {
      field: 'member',
      hint: 'removed members cannot be changed; add them again under a new id',
    });
  }
  return row;
}

export interface MemberChangeResult {
  member: MemberView;
  previous: { role: Role; status: MemberStatus };
}

export function keepsALead(ctx: OpContext, changed: MemberRow): void {
  const leads = activeLeads(ctx).filter((m) => m.id !== changed.id);
  if (changed.role === 'lead' && changed.status === 'active' && leads.length === 0) {
    throw new ValidationError(`member: "${changed.id}" is the only active lead`, {
      field: 'member',
      hint: 'make another member lead first; a syndicate always keeps an active lead',
    });
  }
}

export function changeRole(ctx: OpContext, memberId: string, role: Role): MemberChangeResult {
  const row = target(ctx, memberId);
  if (row.role === role) {
    throw new ValidationError(`role: "${memberId}" already is ${role}`, { field: 'role' });
  }
  if (role !== 'lead') keepsALead(ctx, row);
  ctx.store
    .stmt('UPDATE members SET role = ? WHERE syndicate_id = ? AND id = ?')
    .run(role, ctx.syndicate.id, memberId);
  ctx.store.forgetMember(ctx.syndicate.id, memberId);
  return memberChange(ctx, row);
}

export function setStatus(
  ctx: OpContext,
  memberId: string,
  status: 'active' | 'suspended',
): MemberChangeResult {
  const row = target(ctx, memberId);
  if (row.status === status) {
    throw new ValidationError(`status: "${memberId}" already is ${status}`, { field: 'status' });
  }
  if (status === 'suspended') keepsALead(ctx, row);
  ctx.store
    .stmt('UPDATE members SET status = ? WHERE syndicate_id = ? AND id = ?')
    .run(status, ctx.syndicate.id, memberId);
  ctx.store.forgetMember(ctx.syndicate.id, memberId);
  return memberChange(ctx, row);
}

function memberChange(ctx: OpContext, before: MemberRow): MemberChangeResult {
  const after = ctx.store.member(ctx.syndicate.id, before.id);
  return {
    member: memberView(ctx.syndicate, after, ctx.store.memberBalance(ctx.syndicate.id, before.id)),
    previous: { role: before.role, status: before.status },
  };
}
