/* rtnetlink's UAPI constants and headers (linux/rtnetlink.h, if_link.h,
 * if_addr.h, neighbour.h): musl ships none of them. Values are the
 * kernel's ABI. */
#ifndef NET_RTNL_DEFS_H
#define NET_RTNL_DEFS_H

#include <stdint.h>

/* linux/netlink.h */
#define NETLINK_ROUTE 0
#define NLM_F_REQUEST 0x1
#define NLM_F_ACK 0x4
#define NLM_F_ROOT 0x100
#define NLM_F_MATCH 0x200
#define NLM_F_DUMP (NLM_F_ROOT | NLM_F_MATCH)
#define NLM_F_REPLACE 0x100
#define NLM_F_EXCL 0x200
#define NLM_F_CREATE 0x400
#define NLMSG_NOOP 1
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
struct nlmsghdr_ {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};
struct sockaddr_nl_ {
	uint16_t family, pad;
	uint32_t pid, groups;
};

enum {
	RTM_NEWLINK = 16, RTM_DELLINK, RTM_GETLINK, RTM_SETLINK,
	RTM_NEWADDR = 20, RTM_DELADDR, RTM_GETADDR,
	RTM_NEWROUTE = 24, RTM_DELROUTE, RTM_GETROUTE,
	RTM_NEWNEIGH = 28, RTM_DELNEIGH, RTM_GETNEIGH,
	RTM_NEWQDISC = 36, RTM_DELQDISC, RTM_GETQDISC,
	RTM_NEWTFILTER = 44, RTM_DELTFILTER, RTM_GETTFILTER,
};
enum { IFLA_ADDRESS = 1, IFLA_BROADCAST, IFLA_IFNAME, IFLA_MTU, IFLA_LINK };
#define IFLA_LINKINFO 18
#define IFLA_INFO_KIND 1
enum { IFA_ADDRESS = 1, IFA_LOCAL, IFA_LABEL };
enum { RTA_DST = 1, RTA_SRC, RTA_IIF, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_PREFSRC,
       RTA_TABLE = 15 };
enum { NDA_DST = 1, NDA_LLADDR };
#define RT_TABLE_MAIN 254
#define RTPROT_BOOT 3
#define RTN_UNICAST 1
#define RT_SCOPE_UNIVERSE 0
#define RT_SCOPE_LINK 253
#define RT_SCOPE_HOST 254
#define NUD_PERMANENT 0x80
#define IFF_UP_FLAG 0x1
#define IFF_LOOPBACK_FLAG 0x8
#define RTPROT_KERNEL_ 2
#define NUD_NOARP_ 0x40

/* linux/pkt_sched.h, pkt_cls.h, tc_act/tc_mirred.h */
enum { TCA_KIND = 1, TCA_OPTIONS };
enum { TCA_U32_SEL = 5, TCA_U32_ACT = 7 };
enum { TCA_ACT_KIND = 1, TCA_ACT_OPTIONS };
#define TCA_MIRRED_PARMS 2
#define TCA_EGRESS_REDIR 1
#define TC_ACT_STOLEN 4
#define TC_U32_TERMINAL 1
#define TC_H_INGRESS 0xfffffff1u
#define TC_H_INGRESS_HANDLE 0xffff0000u /* "ffff:" */
#define ETH_P_ALL_ 0x0003
struct tcmsg_ {
	uint8_t family, pad1;
	uint16_t pad2;
	int32_t ifindex;
	uint32_t handle, parent, info;
};
struct tc_u32_key_ {
	uint32_t mask, val; /* big endian */
	int32_t off, offmask;
};
struct tc_u32_sel_ {
	uint8_t flags, offshift, nkeys, pad;
	uint16_t offmask, off; /* offmask big endian */
	int16_t offoff, hoff;
	uint32_t hmask;
	struct tc_u32_key_ keys[1];
};
struct tc_mirred_ {
	uint32_t index, capab;
	int32_t action, refcnt, bindcnt;
	int32_t eaction;
	uint32_t ifindex;
};

struct ifinfomsg_ {
	uint8_t family, pad;
	uint16_t type;
	int32_t index;
	uint32_t flags, change;
};
struct ifaddrmsg_ {
	uint8_t family, prefixlen, flags, scope;
	uint32_t index;
};
struct rtmsg_ {
	uint8_t family, dst_len, src_len, tos, table, protocol, scope, type;
	uint32_t flags;
};
struct ndmsg_ {
	uint8_t family, pad1;
	uint16_t pad2;
	int32_t ifindex;
	uint16_t state;
	uint8_t flags, type;
};

#endif
