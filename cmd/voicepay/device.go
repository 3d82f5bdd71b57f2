package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/wallet"
)

// DeviceCommand pairs, lists and revokes the person's devices (glasses, a
// phone): through the daemon when it runs, else on the ledger file directly.
type DeviceCommand struct{}

const deviceUsage = "usage: voicepay device pair NAME [--json] [--qr] | list | revoke NAME"

func (c *DeviceCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(deviceUsage)
	}
	sub, args := args[0], args[1:]
	flags := newFlags("device " + sub)
	asJSON := flags.fs.Bool("json", false, "pair: print the code, its expiry and the link as JSON")
	showQR := flags.fs.Bool("qr", false, "pair: draw the link as a QR code even when stdout is not a terminal")
	cfg, err := flags.load(args)
	if err != nil {
		return err
	}
	rest := flags.args
	switch sub {
	case "pair":
		if len(rest) != 1 {
			return fmt.Errorf("pair needs one NAME, e.g. glasses; %s", deviceUsage)
		}
		return withDevices(ctx, cfg, func(r deviceRegistry) error {
			pc, err := r.pair(ctx, rest[0])
			if err != nil {
				return err
			}
			if *asJSON {
				return json.NewEncoder(os.Stdout).Encode(pc)
			}
			return printPairingCode(rest[0], pc, r.remote(), *showQR || term.IsTerminal(int(os.Stdout.Fd())))
		})
	case "list":
		if len(rest) != 0 {
			return errors.New(deviceUsage)
		}
		return withDevices(ctx, cfg, func(r deviceRegistry) error {
			list, err := r.list(ctx)
			if err != nil {
				return err
			}
			for _, d := range list {
				payments := "payments off"
				if d.Active {
					payments = "payments on"
				}
				fmt.Printf("%-24s %-12s paired %s\n", d.ID, payments, d.Created.Local().Format(time.DateTime))
			}
			return nil
		})
	case "revoke":
		if len(rest) != 1 {
			return fmt.Errorf("revoke needs one NAME; %s", deviceUsage)
		}
		return withDevices(ctx, cfg, func(r deviceRegistry) error {
			if err := r.revoke(ctx, rest[0]); err != nil {
				return err
			}
			fmt.Printf("device %s revoked; its token no longer works\n", rest[0])
			return nil
		})
	}
	return fmt.Errorf("unknown device command %q; %s", sub, deviceUsage)
}

// printPairingCode shows a new code, its link and, on request, the link as
// a QR code for the device's camera.
func printPairingCode(name string, pc ws.PairingCode, daemonUp, qr bool) error {
	left := int(time.Until(pc.Expires).Round(time.Minute) / time.Minute)
	fmt.Printf("Pairing code for %s: %s\n", name, pc.Code)
	fmt.Printf("It works once, until %s (in %d minutes).\n", pc.Expires.Local().Format(time.TimeOnly), left)
	if daemonUp {
		fmt.Printf("On the device, open %s or enter the code.\n", pc.Link)
	} else {
		fmt.Printf("The pairing link needs the daemon: once voicepay serve runs, open %s on the device.\n", pc.Link)
	}
	if !qr {
		return nil
	}
	drawn, err := renderQR(pc.Link)
	if err != nil {
		return err
	}
	fmt.Print(drawn)
	return nil
}

// deviceRegistry is where devices are paired: the daemon or the ledger file.
type deviceRegistry interface {
	pair(ctx context.Context, name string) (ws.PairingCode, error)
	list(ctx context.Context) ([]ws.DeviceInfo, error)
	revoke(ctx context.Context, name string) error
	remote() bool // the daemon runs
}

// withDevices runs fn against the daemon when it is running, and otherwise
// on the ledger file.
func withDevices(ctx context.Context, cfg *config.Config, fn func(deviceRegistry) error) error {
	return viaDaemon(ctx, cfg,
		func(c *ws.Client) error { return fn(remoteDevices{c}) },
		func(db *wallet.DB) error { return fn(localDevices{db, cfg}) })
}

type remoteDevices struct{ c *ws.Client }

func (r remoteDevices) remote() bool { return true }

func (r remoteDevices) pair(ctx context.Context, name string) (pc ws.PairingCode, err error) {
	return pc, r.c.Post(ctx, "/v1/devices/pair", ws.DeviceRequest{Name: name}, &pc)
}

func (r remoteDevices) list(ctx context.Context) ([]ws.DeviceInfo, error) {
	var out struct{ Devices []ws.DeviceInfo }
	err := r.c.Get(ctx, "/v1/devices", &out)
	return out.Devices, err
}

func (r remoteDevices) revoke(ctx context.Context, name string) error {
	var out map[string]string
	return r.c.Post(ctx, "/v1/devices/revoke", ws.DeviceRequest{Name: name}, &out)
}

type localDevices struct {
	db  *wallet.DB
	cfg *config.Config
}

func (l localDevices) remote() bool { return false }

// pair issues a code on the file. The link names the configured listen
// address, where the daemon will be once it runs.
func (l localDevices) pair(ctx context.Context, name string) (ws.PairingCode, error) {
	code, expires, err := l.db.NewPairingCode(ctx, name)
	if err != nil {
		return ws.PairingCode{}, err
	}
	return ws.PairingCode{Code: code, Expires: expires, Link: ws.PairingLink("http://"+l.cfg.Listen, code)}, nil
}

func (l localDevices) list(ctx context.Context) ([]ws.DeviceInfo, error) {
	ds, err := l.db.UserDevices(ctx)
	if err != nil {
		return nil, err
	}
	return ws.DeviceInfos(ds), nil
}

// revoke revokes a device on the file, but not the CLI's own, as the
// daemon refuses the device that asks.
func (l localDevices) revoke(ctx context.Context, name string) error {
	self := ""
	token, err := readToken(l.cfg)
	if err != nil {
		if _, statErr := os.Stat(tokenPath(l.cfg)); !errors.Is(statErr, os.ErrNotExist) {
			return err
		}
	} else if d, err := l.db.Authenticate(ctx, token); err == nil {
		self = d.ID
	} else if !errors.Is(err, wallet.ErrUnauthorized) && !errors.Is(err, wallet.ErrNotFound) {
		return err
	}
	return l.db.RevokeUserDevice(ctx, name, self)
}
