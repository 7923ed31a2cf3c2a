/**
 * Syndicates: pooled funds in an exact double-entry ledger, with roles and permissions, allocation
 * sizing under bankroll rules, profit distribution, withdrawals and governance by vote.
 */
export type { AccountClass } from './accounts.js';
export type { AllocateResult, AllocationResult, SizingView } from './allocations.js';
export type { AuditProblem, AuditVerification } from './audit.js';
export type { DistributionLineView, DistributionView } from './distribute.js';
export { ROUNDING_RULE } from './distribute.js';
export type { DistributionLine, DistributionMember, LossShare, ProfitSplit } from './distribution.js';
export { splitLoss, splitProfit } from './distribution.js';
export type { ProposalInput, ProposeResult, VoteResult } from './governance.js';
export type {
  CreateSyndicateInput,
  CreateSyndicateResult,
  ReadInput,
  SyndicateLedgerOptions,
  VerifyResult,
} from './ledger.js';
export { parseDistributionMethod, SyndicateLedger } from './ledger.js';
export type { AddMemberResult, MemberChangeResult, MemberInput } from './members.js';
export type { Permission } from './permissions.js';
export { PERMISSION_TABLE, PERMISSIONS, parseRole, roleAllows } from './permissions.js';
export { LedgerInvariantError } from './poster.js';
export type {
  AllocationLimits,
  AllocationSimulation,
  DistributionSummary,
  MemberPerformance,
  ProfitHistory,
  ReportView,
  StatusView,
  TaxLiability,
} from './reports.js';
export type { ConfidenceTier, ContributionTier, SyndicateRules, SyndicateRulesInput } from './rules.js';
export { DEFAULT_SYNDICATE_RULES, tierFor } from './rules.js';
export type { AllocationLimit, SizingBook, SizingResult } from './sizing.js';
export { parseAllocationMethod, parseOpportunity, sizeAllocation } from './sizing.js';
export * from './types.js';
export type { LedgerVerification } from './verify.js';
export type { AllocationView, MemberView, ProposalView, WithdrawalView } from './views.js';
export type { WithdrawalResult } from './withdrawals.js';
export { ILLUSTRATIVE_WITHHOLDING_RATES } from './withholding.js';
