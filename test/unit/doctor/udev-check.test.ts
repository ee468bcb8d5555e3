// udev-check runs its own short registry (UDEV_CHECKS, so that it loads none of doctor's other
// checks), which doctor's registry spreads: it must stay what that registry selects for the udev
// categories (no dependency outside it, no udev check left out), in the same order.
import { describe, expect, it } from 'vitest';
import { DOCTOR_CHECKS, UDEV_CATEGORIES } from '../../../src/core/doctor/checks/index.js';
import { UDEV_CHECKS } from '../../../src/core/doctor/checks/udev-checks.js';
import { selectChecks } from '../../../src/core/engine/engine.js';

describe('UDEV_CHECKS', () => {
  it("is doctor's registry's selection of the udev categories, dependencies included, in its order", () => {
    const selected = selectChecks(DOCTOR_CHECKS, { categories: [...UDEV_CATEGORIES] });
    expect(UDEV_CHECKS.map((c) => c.id)).toEqual(selected.map((c) => c.id));
    expect(UDEV_CHECKS).toEqual(selected);
  });

  it('selects itself whole for the udev categories (every dependency is in it)', () => {
    const again = selectChecks(UDEV_CHECKS, { categories: [...UDEV_CATEGORIES] });
    expect(again).toEqual([...UDEV_CHECKS]);
    const ids = new Set(UDEV_CHECKS.map((c) => c.id));
    for (const c of UDEV_CHECKS) for (const d of c.dependsOn ?? []) expect(ids.has(d), `${c.id} → ${d}`).toBe(true);
  });
});
