/** `meridian serve --demo`: a small seeded population, loaded once into an empty store. */
import type { InteractionContext } from '../interactions/types.ts';
import { inProcess } from './sinks.ts';
import { seedInto, type SeedSummary } from './seed.ts';

/**
 * Loads `patients` synthetic patients (seed "demo") through the interactions. Ids are
 * deterministic, so calling it again rewrites the same resources (new versions) rather than
 * adding people; call it only when the store is empty.
 */
export async function seedDemo(ctx: InteractionContext, options: { patients?: number; seed?: string } = {}): Promise<SeedSummary> {
  return seedInto(inProcess(ctx), { patients: options.patients ?? 50, seed: options.seed ?? 'demo' });
}
