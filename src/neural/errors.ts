import { NeuralTraderError, type NeuralTraderErrorOptions } from '../core/errors.js';

/** A model file or model call that cannot work: corrupt or foreign file, wrong type, bad shape, untrained model. */
export class ModelError extends NeuralTraderError {
  constructor(message: string, options: NeuralTraderErrorOptions = {}) {
    super('MODEL', message, options);
    this.name = 'ModelError';
  }
}
