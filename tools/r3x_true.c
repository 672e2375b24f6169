// SPDX-License-Identifier: GPL-2.0
/* r3x_true: the trivial static program ring3_exec's benchmark spawns. */
int main(void)
{
	return 0;
}
