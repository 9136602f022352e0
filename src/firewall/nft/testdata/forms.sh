# The rule forms netsh's native driver writes, as iptables 1.8.9 (nf_tables) writes them, and
# the kernel's view of them: forms.txt. Regenerate (as root, in a throwaway namespace):
#   unshare --net --mount bash -c 'mount -t tmpfs none /run; ip link set lo up; bash forms.sh' > forms.txt
set -e
cd "$(dirname "$0")"
ip link add br0 type bridge
T="-m comment --comment netsh:lab1"
# What nat(), forward(), masquerade(), snat(), dnat() and the chapters make.
iptables -A FORWARD $T -i br0 ! -o br0 -j ACCEPT
iptables -A FORWARD $T -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
iptables -A FORWARD $T -i br0 -o br0 -j ACCEPT
iptables -t nat -A POSTROUTING $T -s 10.1.1.0/24 ! -o br0 -j MASQUERADE
iptables -t nat -A POSTROUTING $T -s 10.1.1.0/24 ! -o br0 -j SNAT --to-source 172.31.131.149
iptables -t nat -A POSTROUTING $T -o eth0 -p tcp -j SNAT --to-source 172.31.131.149
iptables -t nat -A PREROUTING $T -p tcp --dport 8080 -j DNAT --to-destination 10.1.1.2:80
iptables -t nat -A PREROUTING $T -p tcp --dport 80 -j REDIRECT --to-ports 8081
iptables -t nat -A OUTPUT $T -p tcp --dport 8080 -j DNAT --to-destination 10.1.1.2:80
iptables -A INPUT $T -p icmp -j DROP
iptables -P FORWARD DROP
# The rest of the native set: -s -d -i -o with !, -p, ports, icmp types, conntrack, REJECT,
# RETURN, jumps to a user chain, -I.
iptables -A INPUT -p tcp --dport 22 -j ACCEPT
iptables -A INPUT -p udp --sport 53 -j ACCEPT
iptables -A INPUT -p tcp --sport 1000 --dport 2000 -j ACCEPT
iptables -A INPUT -p tcp ! --dport 80 -j ACCEPT
iptables -A INPUT -p tcp --dport 80:90 -j ACCEPT
iptables -A INPUT -p udp -m udp --dport 53 -j ACCEPT
iptables -A INPUT -p icmp --icmp-type 8 -j ACCEPT
iptables -A INPUT -p icmp --icmp-type echo-reply -j DROP
iptables -A INPUT -p icmp --icmp-type 3/1 -j DROP
iptables -A INPUT -p icmp ! --icmp-type 8 -j DROP
iptables -A INPUT -d 10.0.0.1 -j REJECT
iptables -A INPUT ! -s 10.1.0.0/16 -i eth+ -j REJECT --reject-with icmp-host-prohibited
iptables -A INPUT -s 10.1.2.3/25 -j RETURN
iptables -A INPUT ! -p tcp -j DROP
iptables -A INPUT -m conntrack ! --ctstate NEW,INVALID -j DROP
iptables -A INPUT -s 1.2.3.4
iptables -A INPUT -m comment --comment "two words" -j ACCEPT
iptables -N DOCKER
iptables -A FORWARD -o br0 -j DOCKER
iptables -A DOCKER -d 172.17.0.2/32 ! -i br0 -o br0 -p tcp -m tcp --dport 80 -j ACCEPT
iptables -I FORWARD -j ACCEPT
iptables -I FORWARD 2 -i br0 -j DROP
iptables -t nat -A PREROUTING -p tcp --dport 81 -j DNAT --to-destination 10.1.1.2
iptables -t nat -A POSTROUTING -o eth0 -p udp -j MASQUERADE --to-ports 1024-2000
iptables -t nat -A INPUT -j ACCEPT
# Every other built-in chain, for its hook, priority and type.
for c in PREROUTING INPUT FORWARD OUTPUT POSTROUTING; do iptables -t mangle -A $c -j ACCEPT; done
for c in PREROUTING OUTPUT; do iptables -t raw -A $c -j ACCEPT; done
for c in INPUT FORWARD OUTPUT; do iptables -t security -A $c -j ACCEPT; done
iptables -A OUTPUT -j ACCEPT
echo "=== iptables-save"; iptables-save | grep -v '^#'
echo "=== RAW"; python3 nfdump.py table; python3 nfdump.py chain; python3 nfdump.py rule
