import { NeuralTraderError, ProviderError } from '../core/errors.js';

/** The broker answered and refused the order (e.g. insufficient buying power, invalid price). */
export class BrokerRejectedError extends ProviderError {
  constructor(provider: string, message: string, status?: number) {
    super(provider, message, {
      status,
      code: 'ORDER_REJECTED',
      hint: 'the order was not placed; fix it and resubmit',
    });
    this.name = 'BrokerRejectedError';
  }
}

/**
 * We could not learn whether the broker took the order (a timeout or server error, and the lookup by
 * client order id failed as well). The order stays open in the journal and is reconciled on the next
 * start; the user must not blindly resubmit.
 */
export class OrderStateUnknownError extends NeuralTraderError {
  readonly clientOrderId: string;
  constructor(clientOrderId: string, detail: string, cause?: unknown) {
    super('TIMEOUT', `the order may have been placed (client order id ${clientOrderId}): ${detail}`, {
      hint: 'check with `npx neural-trader order list` before submitting again; it is reconciled on the next start',
      field: 'clientOrderId',
      cause,
    });
    this.name = 'OrderStateUnknownError';
    this.clientOrderId = clientOrderId;
  }
}
