#!/usr/bin/perl
# A minimal SMSC built on Debian's Net::SMPP (libnet-smpp-perl): an SMPP implementation we did not
# write, for the interop test. It accepts one ESME connection on 127.0.0.1 (port 0: the kernel
# picks one, printed as "LISTENING <port>"), answers bind_transceiver and enquire_link, answers
# each submit_sm with a message id and sends a delivery receipt for it, answers unbind and exits.
# Every PDU it receives, and each receipt it sends (with its sequence number), is printed as one
# JSON line for the test to check.
use strict;
use warnings;
use IO::Handle;
use JSON::PP;
use Net::SMPP;

STDOUT->autoflush(1);
alarm 30;    # never outlive the test that started it

my $json = JSON::PP->new->canonical;
sub report { print $json->encode({@_}), "\n" }

my $listener = Net::SMPP->new_listen('127.0.0.1', port => 0, smpp_version => 0x34) or die "listen: $!";
print "LISTENING ", $listener->sockport, "\n";
my $smpp = $listener->accept or die "accept: $!";
my $next_id = 0x51A0;

while (my $pdu = $smpp->read_pdu()) {
    my $cmd = $pdu->{cmd};
    if ($cmd == Net::SMPP::CMD_bind_transceiver) {
        report(pdu => 'bind_transceiver', system_id => $pdu->{system_id}, password => $pdu->{password}, interface_version => $pdu->{interface_version});
        $smpp->bind_transceiver_resp(seq => $pdu->{seq}, system_id => 'netsmpp');
    } elsif ($cmd == Net::SMPP::CMD_submit_sm) {
        my $id = sprintf('%X', $next_id++);
        report(
            pdu => 'submit_sm', message_id => $id, seq => $pdu->{seq},
            source_addr => $pdu->{source_addr}, source_addr_ton => $pdu->{source_addr_ton},
            destination_addr => $pdu->{destination_addr}, dest_addr_ton => $pdu->{dest_addr_ton},
            esm_class => $pdu->{esm_class}, data_coding => $pdu->{data_coding},
            registered_delivery => $pdu->{registered_delivery}, short_message_hex => unpack('H*', $pdu->{short_message}),
        );
        $smpp->submit_sm_resp(seq => $pdu->{seq}, message_id => $id);
        if ($pdu->{registered_delivery} & 1) {
            my $receipt_seq = $smpp->deliver_sm(
                source_addr_ton => $pdu->{dest_addr_ton}, source_addr_npi => $pdu->{dest_addr_npi}, source_addr => $pdu->{destination_addr},
                dest_addr_ton => $pdu->{source_addr_ton}, dest_addr_npi => $pdu->{source_addr_npi}, destination_addr => $pdu->{source_addr},
                esm_class => 0x04,
                short_message => "id:$id sub:001 dlvrd:001 submit date:2501011200 done date:2501011201 stat:DELIVRD err:000 text:",
                receipted_message_id => "$id\0",
                message_state => pack('C', 2),
                async => 1,
            );
            report(pdu => 'deliver_sm', message_id => $id, seq => $receipt_seq);
        }
    } elsif ($cmd == Net::SMPP::CMD_deliver_sm_resp) {
        report(pdu => 'deliver_sm_resp', status => $pdu->{status}, seq => $pdu->{seq});
    } elsif ($cmd == Net::SMPP::CMD_enquire_link) {
        $smpp->enquire_link_resp(seq => $pdu->{seq});
    } elsif ($cmd == Net::SMPP::CMD_unbind) {
        report(pdu => 'unbind');
        $smpp->unbind_resp(seq => $pdu->{seq});
        last;
    } else {
        report(pdu => sprintf('0x%08x', $cmd));
        $smpp->generic_nack(seq => $pdu->{seq}, status => 0x03);
    }
}
exit 0;
