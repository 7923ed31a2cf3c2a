import { NeuralTraderError, ValidationError } from '../core/errors.js';
import { ROLES, type Role } from './types.js';

/**
 * Who may do what. Every operation names the permission it needs and the acting member's role is
 * looked up in this table before anything is read for writing; a member who is suspended or removed
 * may only read. Reading (status, reports, limits, simulations) is open to every role, observers
 * included: they are members who see the books but put in no money and take no decisions.
 */
export const PERMISSIONS = [
  'view',
  'deposit',
  'allocate',
  'settle',
  'distribute',
  'withdraw',
  'approve_withdrawal',
  'propose',
  'vote',
  'add_member',
  'change_role',
  'suspend_member',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const ALL: readonly Permission[] = PERMISSIONS;

/** The permission table. A role not listed for a permission is refused it. */
export const PERMISSION_TABLE: Readonly<Record<Role, readonly Permission[]>> = {
  // Runs the syndicate: everything, including distributions and member administration.
  lead: ALL,
  // Manages money day to day: allocates and settles, approves withdrawals, adds members.
  senior_analyst: [
    'view',
    'deposit',
    'allocate',
    'settle',
    'withdraw',
    'approve_withdrawal',
    'propose',
    'vote',
    'add_member',
  ],
  // Researches and proposes; allocations go through a senior member or a vote.
  junior_analyst: ['view', 'deposit', 'withdraw', 'propose', 'vote'],
  // Puts in money and votes.
  contributing_member: ['view', 'deposit', 'withdraw', 'propose', 'vote'],
  // Reads the books.
  observer: ['view'],
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return PERMISSION_TABLE[role].includes(permission);
}

/** Roles as users type them: `senior-analyst`, `Senior Analyst` and `senior_analyst` are the same. */
export function parseRole(input: string, field = 'role'): Role {
  const role = String(input)
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new ValidationError(`${field}: unknown role "${String(input).slice(0, 40)}"`, {
      field,
      hint: `use one of ${ROLES.join(', ')}`,
    });
  }
  return role as Role;
}

/** The refusal for a member whose role lacks a permission. */
export function permissionDenied(member: string, role: Role, permission: Permission): NeuralTraderError {
  const allowed = ROLES.filter((r) => roleAllows(r, permission));
  return new NeuralTraderError(
    'AUTH',
    `member "${member}" (${role}) may not ${permission.replace(/_/g, ' ')}`,
    {
      field: 'actor',
      hint: `only ${allowed.join(', ')} may; nothing was written`,
    },
  );
}
