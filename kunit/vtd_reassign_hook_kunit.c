// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for vtd_reassign's intel-iommu hook (hook.c): which kernel it
 * hooks, its per-unit state and the scalable-mode entries it writes. Built
 * only where the hook is (intel-iommu's private header); the cases that
 * need the hook skip themselves when it is not active.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/utsname.h>
#include <hvsec/compat.h>
#include <hvsec/vtd_reassign.h>
#include "iommu.h"
#include "hook.h"

/* A seq_id no unit of the test host has: units there count from 0. */
#define SPARE_SEQ_ID	(VTD_HOOK_MAX_UNITS - 1)

static void need_hook(struct kunit *test)
{
	if (!vtd_hook_active())
		kunit_skip(test, "the intel-iommu hook is not active");
}

static struct intel_iommu *fake_unit(struct kunit *test, int seq_id,
				     u16 segment, bool coherent, bool cm)
{
	struct intel_iommu *iommu = kunit_kzalloc(test, sizeof(*iommu),
						  GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, iommu);
	iommu->seq_id = seq_id;
	iommu->segment = segment;
	iommu->ecap = coherent ? 1 : 0;		/* ECAP.C */
	iommu->cap = cm ? BIT_ULL(7) : 0;	/* CAP.CM */
	snprintf(iommu->name, sizeof(iommu->name), "fake%d", seq_id);
	return iommu;
}

/* A unit beyond the table gets no state: the switch falls back to stock. */
static void hook_unit_beyond_table(struct kunit *test)
{
	struct intel_iommu *beyond, *far;

	need_hook(test);
	beyond = fake_unit(test, VTD_HOOK_MAX_UNITS, 0, true, false);
	far = fake_unit(test, 4096, 0, true, false);
	KUNIT_EXPECT_NULL(test, vtd_hook_unit(beyond));
	KUNIT_EXPECT_NULL(test, vtd_hook_unit(far));
}

/*
 * A unit that went away leaves its seq_id to another one, with other
 * capabilities: the cached state follows the unit actually asked for.
 */
static void hook_unit_refreshed(struct kunit *test)
{
	struct intel_iommu *a, *b;
	struct vtd_iommu *ua, *ub;

	need_hook(test);
	a = fake_unit(test, SPARE_SEQ_ID, 0, true, false);
	b = fake_unit(test, SPARE_SEQ_ID, 1, false, true);
	ua = vtd_hook_unit(a);
	KUNIT_ASSERT_NOT_NULL(test, ua);
	KUNIT_EXPECT_PTR_EQ(test, ua->priv, (void *)a);
	KUNIT_EXPECT_TRUE(test, ua->coherent);
	KUNIT_EXPECT_FALSE(test, ua->caching_mode);
	KUNIT_EXPECT_PTR_EQ(test, vtd_hook_unit(a), ua);

	ub = vtd_hook_unit(b);
	KUNIT_ASSERT_PTR_EQ(test, ub, ua);
	KUNIT_EXPECT_PTR_EQ(test, ub->priv, (void *)b);
	KUNIT_EXPECT_EQ(test, ub->segment, 1);
	KUNIT_EXPECT_FALSE(test, ub->coherent);
	KUNIT_EXPECT_TRUE(test, ub->caching_mode);

	/*
	 * The spare unit's state still points at this test's fake unit: the
	 * hook only compares that pointer (a real unit with this seq_id gets
	 * its state refreshed), and frees the state at unload.
	 */
}

/*
 * Only the kernel the module was built for is hooked: the same release and
 * the same build (version string); no other point release or rebuild.
 */
static void hook_kernel_identity(struct kunit *test)
{
	const struct new_utsname *un = init_utsname();
	char other[sizeof(un->version) + 16];

	KUNIT_EXPECT_TRUE(test, vtd_hook_kernel_is(un->release, un->version));
	KUNIT_EXPECT_FALSE(test, vtd_hook_kernel_is("6.12.999", un->version));
	KUNIT_EXPECT_FALSE(test, vtd_hook_kernel_is("6.12", un->version));
	snprintf(other, sizeof(other), "%s-rt", un->release);
	KUNIT_EXPECT_FALSE(test, vtd_hook_kernel_is(other, un->version));
	snprintf(other, sizeof(other), "%s (rebuilt)", un->version);
	KUNIT_EXPECT_FALSE(test, vtd_hook_kernel_is(un->release, other));
	KUNIT_EXPECT_FALSE(test, vtd_hook_kernel_is(un->release, ""));
}

/*
 * Scalable mode: every device attached to a second-level domain has the
 * RID_PASID entry the hook would write for that domain, field for field
 * (the entries there were written by intel-iommu itself, or by the hook's
 * switches of earlier tests). Skipped where no unit runs scalable mode.
 */
static void hook_pasid_entries_as_stock(struct kunit *test)
{
	struct pci_dev *pdev = NULL;
	unsigned int same = 0, other = 0;
	int ret;

	need_hook(test);
	for_each_pci_dev(pdev) {
		if (!device_iommu_mapped(&pdev->dev))
			continue;
		ret = vtd_hook_pasid_check(&pdev->dev);
		if (ret == -EOPNOTSUPP)
			continue;
		if (ret) {
			kunit_info(test, "%s: RID_PASID entry not as built\n",
				   pci_name(pdev));
			other++;
		} else {
			same++;
		}
	}
	if (!same && !other)
		kunit_skip(test, "no device in a second-level domain in scalable mode");
	kunit_info(test, "%u device(s) checked\n", same + other);
	KUNIT_EXPECT_EQ(test, other, 0);
}

static struct kunit_case vtd_reassign_hook_cases[] = {
	KUNIT_CASE(hook_kernel_identity),
	KUNIT_CASE(hook_unit_beyond_table),
	KUNIT_CASE(hook_unit_refreshed),
	KUNIT_CASE(hook_pasid_entries_as_stock),
	{}
};

static struct kunit_suite vtd_reassign_hook_suite = {
	.name = "vtd_reassign_hook",
	.test_cases = vtd_reassign_hook_cases,
};

kunit_test_suite(vtd_reassign_hook_suite);

MODULE_DESCRIPTION("KUnit tests for vtd_reassign's intel-iommu hook");
MODULE_LICENSE("GPL");
HVSEC_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
