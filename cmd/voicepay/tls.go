package main

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/voicepay/voicepay/config"
)

// TLSCommand makes the local certificate authority and the daemon's
// certificate, so that phones and glasses on the network reach the daemon
// over https and wss. serve takes DATA/tls/cert.pem and key.pem by itself
// when tls_cert and tls_key are not set.
type TLSCommand struct{}

const tlsUsage = "usage: voicepay tls init [--name NAME]... [--ip IP]... [--force]"

const (
	caValidity = 10 * 365 * 24 * time.Hour
	// leafValidity is Apple's limit for a server certificate that iOS
	// and macOS trust: 825 days.
	leafValidity = 825 * 24 * time.Hour
)

// tlsFiles are the files of DATA/tls.
type tlsFiles struct{ dir, ca, caKey, cert, key string }

func newTLSFiles(cfg *config.Config) tlsFiles {
	dir := filepath.Join(cfg.DataDir, config.TLSDir)
	cert, key := config.DataTLS(cfg.DataDir)
	return tlsFiles{dir: dir, ca: filepath.Join(dir, "ca.pem"), caKey: filepath.Join(dir, "ca-key.pem"), cert: cert, key: key}
}

func (c *TLSCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "init" {
		return errors.New(tlsUsage)
	}
	flags := newFlags("tls init")
	var names, ips listFlag
	flags.fs.Var(&names, "name", "also name the certificate for this DNS `name` (repeatable)")
	flags.fs.Var(&ips, "ip", "also name the certificate for this IP `address` (repeatable)")
	force := flags.fs.Bool("force", false, "make a new certificate authority, which every device must then trust anew")
	// tls init repairs DATA/tls: a broken pair there, or a listen address
	// that needs one, must not stop it.
	flags.fixed = map[string]string{"tls_cert": "", "tls_key": "", "allow_insecure": "true"}
	cfg, err := flags.load(args[1:])
	if err != nil {
		return err
	}
	if len(flags.args) > 0 {
		return errors.New(tlsUsage)
	}
	dnsNames, addrs, err := certNames(names, ips)
	if err != nil {
		return err
	}
	f := newTLSFiles(cfg)
	if err := os.MkdirAll(f.dir, 0o700); err != nil {
		return fmt.Errorf("tls directory: %w", err)
	}
	now := time.Now()
	ca, caKey, made, err := f.authority(now, *force)
	if err != nil {
		return err
	}
	leaf, err := f.issue(ca, caKey, dnsNames, addrs, now)
	if err != nil {
		return err
	}
	printTLS(f, ca, made, leaf)
	return nil
}

// listFlag is a flag that may be given more than once.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// certNames are the names and addresses the daemon's certificate is for:
// localhost, the loopback addresses, the host name (and its .local name,
// which phones find by mDNS), every address of the machine's interfaces
// that is not loopback, and those given.
func certNames(names, ips []string) ([]string, []net.IP, error) {
	dnsNames := []string{"localhost"}
	host, err := os.Hostname()
	if err != nil {
		return nil, nil, fmt.Errorf("host name: %w", err)
	}
	if host = strings.ToLower(host); host != "" && host != "localhost" {
		dnsNames = append(dnsNames, host)
		if !strings.Contains(host, ".") {
			dnsNames = append(dnsNames, host+".local")
		}
	}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" || strings.ContainsAny(n, " /:@") || net.ParseIP(n) != nil {
			return nil, nil, fmt.Errorf("--name %q is not a DNS name; give an address with --ip", n)
		}
		dnsNames = append(dnsNames, n)
	}
	addrs := []net.IP{net.IPv4(127, 0, 0, 1).To4(), net.IPv6loopback}
	ifaces, err := net.InterfaceAddrs()
	if err != nil {
		return nil, nil, fmt.Errorf("network interfaces: %w", err)
	}
	for _, a := range ifaces {
		if n, ok := a.(*net.IPNet); ok && n.IP.IsGlobalUnicast() {
			addrs = append(addrs, n.IP)
		}
	}
	for _, s := range ips {
		ip := net.ParseIP(strings.TrimSpace(s))
		if ip == nil {
			return nil, nil, fmt.Errorf("--ip %q is not an IP address", s)
		}
		addrs = append(addrs, ip)
	}
	for i, ip := range addrs {
		if v4 := ip.To4(); v4 != nil {
			addrs[i] = v4
		}
	}
	slices.Sort(dnsNames)
	slices.SortFunc(addrs, func(a, b net.IP) int { // IPv4 first
		return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(string(a), string(b)))
	})
	return slices.Compact(dnsNames), slices.CompactFunc(addrs, net.IP.Equal), nil
}

// authority returns the local certificate authority and its key: the one
// in DATA/tls, or a new one when there is none or force asks for it. made
// reports whether it is new.
func (f tlsFiles) authority(now time.Time, force bool) (ca *x509.Certificate, key *ecdsa.PrivateKey, made bool, err error) {
	if !force {
		ca, key, err = f.loadAuthority(now)
		if err == nil || !errors.Is(err, os.ErrNotExist) {
			return ca, key, false, err
		}
	}
	key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, false, err
	}
	host, _ := os.Hostname() // only a label in the CA's name
	tmpl := &x509.Certificate{
		SerialNumber:          newSerial(),
		Subject:               pkix.Name{CommonName: strings.TrimSpace("voicepay local CA " + host), Organization: []string{"voicepay"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	ca, err = createCert(tmpl, tmpl, key, key)
	if err != nil {
		return nil, nil, false, fmt.Errorf("make the certificate authority: %w", err)
	}
	if err := writeKey(f.caKey, key); err != nil {
		return nil, nil, false, err
	}
	if err := writeFileAtomic(f.ca, pemCert(ca), 0o644); err != nil {
		return nil, nil, false, fmt.Errorf("write %s: %w", f.ca, err)
	}
	return ca, key, true, nil
}

// loadAuthority reads the CA in DATA/tls. It fails with os.ErrNotExist
// only when neither of its files is there.
func (f tlsFiles) loadAuthority(now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certPEM, certErr := os.ReadFile(f.ca)
	keyPEM, keyErr := os.ReadFile(f.caKey)
	switch {
	case errors.Is(certErr, os.ErrNotExist) && errors.Is(keyErr, os.ErrNotExist):
		return nil, nil, os.ErrNotExist
	case certErr != nil:
		return nil, nil, fmt.Errorf("certificate authority: %w (--force makes a new one)", certErr)
	case keyErr != nil:
		return nil, nil, fmt.Errorf("certificate authority's key: %w (--force makes a new one)", keyErr)
	}
	ca, err := parseCert(certPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w (--force makes a new one)", f.ca, err)
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w (--force makes a new one)", f.caKey, err)
	}
	if !key.PublicKey.Equal(ca.PublicKey) {
		return nil, nil, fmt.Errorf("%s is not the key of %s (--force makes a new one)", f.caKey, f.ca)
	}
	if !ca.IsCA || !now.Before(ca.NotAfter) {
		return nil, nil, fmt.Errorf("%s is not a valid certificate authority any more (expired %s): --force makes a new one",
			f.ca, ca.NotAfter.Format(time.DateOnly))
	}
	return ca, key, nil
}

// issue makes a new key and a server certificate for it, signed by ca, for
// the names and addresses given, and writes both to DATA/tls.
func (f tlsFiles) issue(ca *x509.Certificate, caKey *ecdsa.PrivateKey, names []string, addrs []net.IP,
	now time.Time) (*x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: newSerial(),
		Subject:      pkix.Name{CommonName: names[0], Organization: []string{"voicepay"}},
		NotBefore:    now.Add(-time.Hour),
		DNSNames:     names,
		IPAddresses:  addrs,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if tmpl.NotAfter = tmpl.NotBefore.Add(leafValidity); tmpl.NotAfter.After(ca.NotAfter) {
		tmpl.NotAfter = ca.NotAfter
	}
	leaf, err := createCert(tmpl, ca, key, caKey)
	if err != nil {
		return nil, fmt.Errorf("issue the server certificate: %w", err)
	}
	// The key first: a crash between the two leaves a pair that serve
	// refuses, and running tls init again mends it.
	if err := writeKey(f.key, key); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(f.cert, pemCert(leaf), 0o644); err != nil {
		return nil, fmt.Errorf("write %s: %w", f.cert, err)
	}
	return leaf, nil
}

func newSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127)) // crypto/rand never fails
	return n.Add(n, big.NewInt(1))
}

func createCert(tmpl, parent *x509.Certificate, key, signer *ecdsa.PrivateKey) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// writeKey writes a private key as PKCS #8 PEM, readable by its owner only.
func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func parseCert(b []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate in it")
	}
	return x509.ParseCertificate(block.Bytes)
}

func parseKey(b []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("no PEM private key in it")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("a %T key, want ECDSA", k)
	}
	return ek, nil
}

// fingerprint is the SHA-256 of a certificate as phones show it: upper-case
// hex bytes separated by colons.
func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	hex := make([]string, len(sum))
	for i, b := range sum {
		hex[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(hex, ":")
}

// printTLS says what tls init made, and what to install on the phone.
func printTLS(f tlsFiles, ca *x509.Certificate, made bool, leaf *x509.Certificate) {
	state := "kept"
	if made {
		state = "new; every phone and pair of glasses must trust it"
	}
	var names []string
	names = append(names, leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		names = append(names, ip.String())
	}
	fmt.Printf(`Certificate authority, %s:
  %s
  SHA-256 fingerprint %s
Server certificate, valid until %s:
  %s
  for %s

voicepay serve now serves https and wss with it: it takes %s and
key.pem by itself unless tls_cert and tls_key name other files. To let phones
and glasses on your network in, listen beyond loopback:
  voicepay serve --listen 0.0.0.0:8421

On each phone or pair of glasses, trust the certificate authority once:
  iOS: AirDrop or mail ca.pem to the phone and open it; install the profile
    in Settings > General > VPN & Device Management; then turn on full trust
    in Settings > General > About > Certificate Trust Settings.
  Android: copy ca.pem to the phone, then Settings > Security > Encryption &
    credentials > Install a certificate > CA certificate.
Check that the fingerprint the phone shows is the one above. Never copy
ca-key.pem anywhere: whoever has it can pose as this daemon to those devices.
`, state, f.ca, fingerprint(ca), leaf.NotAfter.Format(time.DateOnly), f.cert, strings.Join(names, ", "), f.cert)
}

// trustedRoots are the authorities the CLI checks a TLS daemon against:
// the system's, the local CA of DATA/tls, and the configured certificate
// itself, which may be self-signed or from another CA.
func trustedRoots(cfg *config.Config) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool() // no system roots here: only ours
	}
	files := []string{newTLSFiles(cfg).ca}
	if cfg.TLSCert != "" {
		files = append(files, cfg.TLSCert)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("trusted certificates: %w", err)
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("trusted certificates: no PEM certificate in %s", name)
		}
	}
	return pool, nil
}
