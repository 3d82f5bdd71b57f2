package agent_test

import (
	"fmt"

	"github.com/voicepay/voicepay/agent"
)

func ExampleMoney() {
	fmt.Println(agent.Money(3600, "CNY"))
	fmt.Println(agent.Money(1250, "CNY"))
	fmt.Println(agent.Money(5, "CNY"))
	fmt.Println(agent.Money(0, "CNY"))
	fmt.Println(agent.Money(-150, "CNY"))
	fmt.Println(agent.Money(999, "USD"))
	// Output:
	// 36 yuan
	// 12.50 yuan
	// 0.05 yuan
	// 0 yuan
	// -1.50 yuan
	// 9.99 USD
}
