// Command sekisho is a self-hosted Cognito + IAM + STS + S3 on one endpoint.
package main

import (
	"os"

	"github.com/sekisho/sekisho/internal/app"
)

func main() {
	os.Exit(app.Main(os.Args[1:], os.Stdout, os.Stderr))
}
