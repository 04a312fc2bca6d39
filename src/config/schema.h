/* The table of configuration keys: table, key, type, field, default, limits. */
#ifndef CONFIG_SCHEMA_H
#define CONFIG_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

enum key_type { KEY_STR, KEY_BOOL, KEY_I32, KEY_U32, KEY_STRV };

/* How a key fixed at boot is in the VM compatibility key (factory/key.c):
 * its value, or what the VM is booted with for it. */
enum key_boot {
	BOOT_VALUE,	       /* the value as configured */
	BOOT_ACCEL,	       /* the accelerator resolved from it */
	BOOT_IF_IOTHREADS,     /* the value with enable_iothreads, 0 without */
	BOOT_IF_STATIC_TRACE,  /* the value with static agent tracing, "" without */
};

struct key_desc {
	const char *table;
	const char *key;
	const char *def_str;
	const char *const *choices; /* NULL-terminated allowed strings, or NULL */
	/* The feature the key belongs to when the build leaves it out
	 * ("VM templates (CONFIG_FACTORY_TEMPLATE)"), else NULL: the key is
	 * still known, and any value but its default is refused. */
	const char *missing;
	/* Fixed once the VM runs: its name (Kata's HypervisorConfig field) in
	 * the VM compatibility key; NULL for a key a VM made ahead of time
	 * may differ in (vCPUs, memory: hot-added) or that is not the VM's. */
	const char *vm;
	/* Its name in env's [Hypervisor] table (Kata's), or NULL. */
	const char *env;
	unsigned short off;	/* in struct config */
	unsigned char type;	/* enum key_type */
	unsigned char boot;	/* enum key_boot, for a key with .vm set */
	unsigned char zero_default; /* a value of 0 (or less) means the default */
	int32_t def_int; /* also bool */
	int32_t min;
	uint32_t max;
};

extern const struct key_desc config_keys[];
extern const size_t config_nkeys;
extern const char *const config_known_tables[];

const struct key_desc *config_key_find(const char *table, const char *key, size_t *index);
int config_table_known(const char *table);

#endif
